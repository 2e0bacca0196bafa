import { authorize, callerOf, requireIdentified } from "@/lib/auth";
import { json, readJson, route } from "@/lib/http/respond";
import { getServerModel, startBackendRun, streamErrorBody } from "@/lib/backends/server";
import { backendFor } from "@/lib/engines";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { eventStreamResponse } from "@/lib/http/sse";
import { RunRequestSchema } from "@/lib/runtime/requests";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Run a prompt on a registered engine (`engine`: the bundled package's id, or a remote engine's;
 * default the bundled `model`). Body: RunRequestSchema (`prompt.parts`, `maxTokens`, `temperature`,
 * `topP`, `seed`, `numBeams`, `stop`, `trace`, `stream`). With `stream` (default) the answer is
 * server-sent events: `token` {index, tokenId, text, trace?} …, then `done` (the result, with the
 * engine, its latency and — for remote engines — the exact exchange) or `error` {error}. Errors
 * before the first token are plain JSON with their 4xx/5xx status.
 */
export const POST = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const { prompt, stream, model, engine, ...params } = await readJson(request, RunRequestSchema);
  await authorize(caller, "run", { engine: engine ?? model });
  const backend = await backendFor(engine ?? model);
  // Stop generating when the client goes away: the request aborts or the response stream is cancelled.
  const abort = new AbortController();
  request.signal.addEventListener("abort", () => abort.abort(request.signal.reason), { once: true });
  const run = await startBackendRun(backend, prompt, params, abort.signal);
  if (!stream) {
    for await (const _ of run.events) {
      // drain: the result carries the whole text
    }
    return json(await run.result);
  }
  const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  return eventStreamResponse(
    abort,
    async (send) => {
      for await (const e of run.events) send(frame("token", e));
      send(frame("done", await run.result));
    },
    (e) => frame("error", streamErrorBody(e)),
  );
});

/** Which execution provider a model runs on (loads it if needed): `?model=<id>`, default FLAMINGO_DEFAULT_MODEL (lib/env.ts). */
export const GET = route(async (request: Request) => {
  const id = new URL(request.url).searchParams.get("model") ?? env().FLAMINGO_DEFAULT_MODEL;
  if (id.length > 64) throw new AppError("bad_request", "model id too long");
  // It may load the model: running, not reading.
  await authorize(await callerOf(request), "run", { engine: id });
  const m = await getServerModel(id);
  return json({ model: m.id, executionProvider: m.executionProvider, fallbackReason: m.fallbackReason ?? null, loadMs: Math.round(m.loadMs), stats: m.engine.stats() });
});
