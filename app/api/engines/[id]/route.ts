import { authorize, callerOf } from "@/lib/auth";
import { deleteEngine, getEngine, updateEngine } from "@/lib/engines";
import { json, readJson, route } from "@/lib/http/respond";
import { ENGINE_BODY_LIMIT, engineId, UpdateEngineBody, type EngineCtx } from "../schema";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = route(async (request: Request, ctx: EngineCtx) => {
  const id = await engineId(ctx);
  await authorize(await callerOf(request), "read", { engine: id });
  return json({ engine: await getEngine(id) });
});

/** Change a stored engine (admins of its workspace; bundled and declared engines are read-only). */
export const PATCH = route(async (request: Request, ctx: EngineCtx) => {
  const id = await engineId(ctx);
  await authorize(await callerOf(request), "write", { engine: id });
  const body = await readJson(request, UpdateEngineBody, ENGINE_BODY_LIMIT);
  return json({ engine: await updateEngine(id, body) });
});

export const DELETE = route(async (request: Request, ctx: EngineCtx) => {
  const id = await engineId(ctx);
  await authorize(await callerOf(request), "delete", { engine: id });
  await deleteEngine(id);
  return new Response(null, { status: 204 });
});
