import { authorize, callerOf, requireIdentified } from "@/lib/auth";
import { json, readJson, route } from "@/lib/http/respond";
import { getServerModel } from "@/lib/backends/server";
import { backendFor } from "@/lib/engines";
import { ScoreRequestSchema } from "@/lib/runtime/requests";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Rank candidate continuations of a prompt on a registered engine (`engine`, default the bundled
 * `model`). Body: ScoreRequestSchema (`prompt.parts`, `candidates`, `appendEndOfChunk`). Answer: per
 * candidate the token ids, per-token log-probs, `sum` and `mean`; `ranking` (indices, best first);
 * `method` (how it was ranked: exact on bundled engines; prompt log-probs, first-token log-probs or a
 * matched greedy answer on remote ones), `approximate`, `note`, and the exchange of remote engines.
 */
export const POST = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const { prompt, candidates, model, engine, appendEndOfChunk } = await readJson(request, ScoreRequestSchema);
  await authorize(caller, "run", { engine: engine ?? model });
  const backend = await backendFor(engine ?? model);
  const outcome = await backend.score(prompt, candidates, { signal: request.signal, ...(appendEndOfChunk !== undefined ? { appendEndOfChunk } : {}) });
  return json({ engine: backend.id, model: backend.model, executionProvider: backend.kind === "bundled" ? await bundledProvider(backend.model) : "remote", ...outcome });
});

const bundledProvider = async (modelId: string) => (await getServerModel(modelId)).executionProvider;
