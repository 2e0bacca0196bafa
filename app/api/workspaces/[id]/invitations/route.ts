/**
 * /api/workspaces/:id/invitations (admins and owners) — GET: pending invitations; POST { email, role }:
 * a new invitation, answered with its link once (only the token's digest is stored); DELETE ?id=: revoke.
 */
import { mayAssign } from "@/lib/auth";
import { AppError } from "@/lib/errors";
import { ownOrigin } from "@/lib/http/origin";
import { env } from "@/lib/env";
import { json, readJson, route } from "@/lib/http/respond";
import { createInvitation, listMembers, listPendingInvitations, revokeInvitation } from "@/lib/store/accounts";
import { authorId } from "@/lib/auth";
import { actorRole, idParam, workspaceRequest, type WorkspaceParams } from "../context";
import { InviteBody } from "../schema";

export const GET = route(async (request: Request, ctx: WorkspaceParams) => {
  const { workspaceId } = await workspaceRequest(request, ctx, "manage");
  return json({ invitations: await listPendingInvitations(workspaceId) });
});

export const POST = route(async (request: Request, ctx: WorkspaceParams) => {
  const { caller, workspaceId } = await workspaceRequest(request, ctx, "manage");
  const body = await readJson(request, InviteBody, 4096);
  const actor = actorRole(caller, workspaceId);
  if (!actor || !mayAssign(actor, body.role)) throw new AppError("forbidden", "Only an owner can invite someone as owner: choose admin or below.");
  if ((await listMembers(workspaceId)).some((m) => m.email.toLowerCase() === body.email)) {
    throw new AppError("conflict", `${body.email} is already a member of this workspace: change their role in the member list instead.`);
  }
  const { invitation, token } = await createInvitation({ workspaceId, email: body.email, role: body.role, invitedById: authorId(caller) });
  // The deployment's public address when it names one, else the address this request came to.
  const origin = env().STUDIO_PUBLIC_URL?.origin ?? ownOrigin(request) ?? new URL(request.url).origin;
  return json({ invitation, url: `${origin}/invite/${token}` }, { status: 201 });
});

export const DELETE = route(async (request: Request, ctx: WorkspaceParams) => {
  const { workspaceId } = await workspaceRequest(request, ctx, "manage");
  await revokeInvitation(workspaceId, idParam(request, "id"));
  return json({ invitations: await listPendingInvitations(workspaceId) });
});
