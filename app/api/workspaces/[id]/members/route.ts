/**
 * /api/workspaces/:id/members — GET: the members (any member may see who else is in); PATCH { userId, role }
 * and DELETE ?userId=: admins and owners (an admin cannot make, unmake or remove an owner; the last owner stays).
 */
import { mayAssign } from "@/lib/auth";
import { AppError, notFound } from "@/lib/errors";
import { json, readJson, route } from "@/lib/http/respond";
import { listMembers, memberRole, removeMember, setMemberRole } from "@/lib/store/accounts";
import { actorRole, idParam, workspaceRequest, type WorkspaceParams } from "../context";
import { SetRoleBody } from "../schema";

export const GET = route(async (request: Request, ctx: WorkspaceParams) => {
  const { workspaceId } = await workspaceRequest(request, ctx, "read");
  return json({ members: await listMembers(workspaceId) });
});

export const PATCH = route(async (request: Request, ctx: WorkspaceParams) => {
  const { caller, workspaceId } = await workspaceRequest(request, ctx, "manage");
  const body = await readJson(request, SetRoleBody, 4096);
  const actor = actorRole(caller, workspaceId);
  const current = await memberRole(workspaceId, body.userId);
  if (!current) throw notFound("Member", body.userId);
  if (!actor || !mayAssign(actor, body.role) || !mayAssign(actor, current)) {
    throw new AppError("forbidden", "Only an owner can make someone owner or change an owner's role.");
  }
  await setMemberRole(workspaceId, body.userId, body.role);
  return json({ members: await listMembers(workspaceId) });
});

export const DELETE = route(async (request: Request, ctx: WorkspaceParams) => {
  const { caller, workspaceId } = await workspaceRequest(request, ctx, "manage");
  const userId = idParam(request, "userId");
  const actor = actorRole(caller, workspaceId);
  const current = await memberRole(workspaceId, userId);
  if (!current) throw notFound("Member", userId);
  if (!actor || !mayAssign(actor, current)) throw new AppError("forbidden", "Only an owner can remove an owner.");
  await removeMember(workspaceId, userId);
  return json({ members: await listMembers(workspaceId) });
});
