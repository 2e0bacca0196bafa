import { testUnsavedEngine } from "@/lib/engines";
import { json, readJson, route } from "@/lib/http/respond";
import { ENGINE_BODY_LIMIT, TestEngineBody } from "../schema";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** "Test connection" for settings not saved yet (same body as POST /api/engines); nothing is stored. */
export const POST = route(async (request: Request) => {
  const body = await readJson(request, TestEngineBody, ENGINE_BODY_LIMIT);
  return json({ capabilities: await testUnsavedEngine(body) });
});
