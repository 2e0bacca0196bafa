import { json, readJson, route } from "@/lib/http/respond";
import { scoreCandidates } from "@/lib/backends/server";
import { ScoreRequestSchema } from "@/lib/runtime/requests";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Rank candidate continuations of a prompt by log-likelihood. Body: ScoreRequestSchema
 * (`prompt.parts`, `candidates`, `appendEndOfChunk`). Answer: per candidate the token ids,
 * per-token log-probs, `sum` and `mean`, plus `ranking` (indices, best first).
 */
export const POST = route(async (request: Request) => {
  const body = await readJson(request, ScoreRequestSchema);
  return json(await scoreCandidates(body, request.signal));
});
