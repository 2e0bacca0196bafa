import { testEngine } from "@/lib/engines";
import { json, route } from "@/lib/http/respond";
import { engineId, type EngineCtx } from "../../schema";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** "Test connection" for a saved engine (its stored key and headers included); what it finds is kept with the engine. */
export const POST = route(async (_request: Request, ctx: EngineCtx) => json(await testEngine(await engineId(ctx))));
