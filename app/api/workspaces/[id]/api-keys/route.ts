/**
 * /api/workspaces/:id/api-keys (admins and owners) — GET: the keys (prefix, scopes, creator, last use; never
 * the secret); POST { name, scopes }: a new key, its secret answered once; DELETE ?id=: revoke (at once: 401 after).
 */
import { authorId } from "@/lib/auth";
import { json, readJson, route } from "@/lib/http/respond";
import { createApiKey, listApiKeys, revokeApiKey } from "@/lib/store/accounts";
import { idParam, workspaceRequest, type WorkspaceParams } from "../context";
import { CreateApiKeyBody } from "../schema";

export const GET = route(async (request: Request, ctx: WorkspaceParams) => {
  const { workspaceId } = await workspaceRequest(request, ctx, "manage");
  return json({ keys: await listApiKeys(workspaceId) });
});

export const POST = route(async (request: Request, ctx: WorkspaceParams) => {
  const { caller, workspaceId } = await workspaceRequest(request, ctx, "manage");
  const body = await readJson(request, CreateApiKeyBody, 4096);
  const { key, secret } = await createApiKey({ workspaceId, name: body.name, scopes: body.scopes, createdById: authorId(caller) });
  return json({ key, secret }, { status: 201, headers: { "cache-control": "no-store" } });
});

export const DELETE = route(async (request: Request, ctx: WorkspaceParams) => {
  const { workspaceId } = await workspaceRequest(request, ctx, "manage");
  await revokeApiKey(workspaceId, idParam(request, "id"));
  return json({ keys: await listApiKeys(workspaceId) });
});
