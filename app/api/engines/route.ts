import { authorize, callerOf, homeWorkspace, noWorkspace, readableWorkspaces, requireIdentified } from "@/lib/auth";
import { createEngine, listEngines } from "@/lib/engines";
import { json, readJson, route } from "@/lib/http/respond";
import { CreateEngineBody, ENGINE_BODY_LIMIT } from "./schema";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Every engine the caller may use: bundled packages, then declared engines, then their workspaces' stored ones by name. No secrets. */
export const GET = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  return json({ engines: await listEngines(readableWorkspaces(caller)) });
});

/** Save a remote engine in the caller's workspace (admins; its key and header values encrypted at rest); a taken name is a 409. */
export const POST = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const workspaceId = homeWorkspace(caller);
  if (!workspaceId) throw noWorkspace();
  await authorize(caller, "manage", { workspace: workspaceId });
  const body = await readJson(request, CreateEngineBody, ENGINE_BODY_LIMIT);
  return json({ engine: await createEngine(body, workspaceId) }, { status: 201 });
});
