import { deleteEngine, getEngine, updateEngine } from "@/lib/engines";
import { json, readJson, route } from "@/lib/http/respond";
import { ENGINE_BODY_LIMIT, engineId, UpdateEngineBody, type EngineCtx } from "../schema";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = route(async (_request: Request, ctx: EngineCtx) => json({ engine: await getEngine(await engineId(ctx)) }));

/** Change a stored engine (bundled and declared engines are read-only: 409). */
export const PATCH = route(async (request: Request, ctx: EngineCtx) => {
  const id = await engineId(ctx);
  const body = await readJson(request, UpdateEngineBody, ENGINE_BODY_LIMIT);
  return json({ engine: await updateEngine(id, body) });
});

export const DELETE = route(async (_request: Request, ctx: EngineCtx) => {
  await deleteEngine(await engineId(ctx));
  return new Response(null, { status: 204 });
});
