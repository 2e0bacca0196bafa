import { authorize, callerOf } from "@/lib/auth";
import { testEngine } from "@/lib/engines";
import { json, route } from "@/lib/http/respond";
import { engineId, type EngineCtx } from "../../schema";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** "Test connection" for a saved engine (its stored key and headers included); what it finds is kept with the engine, so it takes the right to change it. */
export const POST = route(async (request: Request, ctx: EngineCtx) => {
  const id = await engineId(ctx);
  await authorize(await callerOf(request), "write", { engine: id });
  return json(await testEngine(id));
});
