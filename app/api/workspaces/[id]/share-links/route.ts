/**
 * /api/workspaces/:id/share-links (admins and owners) — GET [?resourceKind&resourceId]: the links;
 * POST { resourceKind, resourceId }: a read-only link to a library, template or notebook of this
 * workspace; DELETE ?id=: revoke (the link stops working at once). Off for the whole deployment with
 * STUDIO_SHARE_LINKS=false.
 */
import { authorId, authorize } from "@/lib/auth";
import { env } from "@/lib/env";
import { AppError, notFound } from "@/lib/errors";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { createShareLink, listShareLinks, placementOf, revokeShareLink } from "@/lib/store/accounts";
import { idParam, workspaceRequest, type WorkspaceParams } from "../context";
import { CreateShareLinkBody, ShareLinkFilter } from "../schema";

const LABEL = { library: "Library", template: "Template", notebook: "Notebook" } as const;

function requireShareLinks(): void {
  if (!env().STUDIO_SHARE_LINKS) throw new AppError("forbidden", "Share links are switched off on this deployment (STUDIO_SHARE_LINKS=false).");
}

export const GET = route(async (request: Request, ctx: WorkspaceParams) => {
  const { workspaceId } = await workspaceRequest(request, ctx, "manage");
  const sp = new URL(request.url).searchParams;
  const filter = parseWith(ShareLinkFilter, { resourceKind: sp.get("resourceKind") ?? undefined, resourceId: sp.get("resourceId") ?? undefined }, "query");
  return json({ links: await listShareLinks(workspaceId, filter), enabled: env().STUDIO_SHARE_LINKS });
});

export const POST = route(async (request: Request, ctx: WorkspaceParams) => {
  const { caller, workspaceId } = await workspaceRequest(request, ctx, "manage");
  requireShareLinks();
  const { resourceKind, resourceId } = await readJson(request, CreateShareLinkBody, 4096);
  // The resource must be visible to the caller and live in this workspace (else: unknown, as for any id).
  await authorize(caller, "read", { [resourceKind]: resourceId } as { library: string } | { template: string } | { notebook: string });
  const place = await placementOf(resourceKind, resourceId);
  if (!place || place.workspaceId !== workspaceId) throw notFound(LABEL[resourceKind], resourceId);
  const link = await createShareLink({ workspaceId, resourceKind, resourceId, createdById: authorId(caller) });
  return json({ link }, { status: 201 });
});

export const DELETE = route(async (request: Request, ctx: WorkspaceParams) => {
  const { workspaceId } = await workspaceRequest(request, ctx, "manage");
  await revokeShareLink(workspaceId, idParam(request, "id"));
  return json({ links: await listShareLinks(workspaceId) });
});
