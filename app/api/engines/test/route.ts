import { authorize, callerOf, homeWorkspace, noWorkspace, requireIdentified } from "@/lib/auth";
import { testUnsavedEngine } from "@/lib/engines";
import { json, readJson, route } from "@/lib/http/respond";
import { ENGINE_BODY_LIMIT, TestEngineBody } from "../schema";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * "Test connection" for settings not saved yet (same body as POST /api/engines); nothing is stored.
 * It makes the server call any URL, so it takes the right to add engines (admins).
 */
export const POST = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const workspaceId = homeWorkspace(caller);
  if (!workspaceId) throw noWorkspace();
  await authorize(caller, "manage", { workspace: workspaceId });
  const body = await readJson(request, TestEngineBody, ENGINE_BODY_LIMIT);
  return json({ capabilities: await testUnsavedEngine(body) });
});
