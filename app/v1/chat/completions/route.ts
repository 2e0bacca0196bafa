import { authorize, callerOf, refusalOf, requireIdentified } from "@/lib/auth";
import { chatCompletions } from "@/lib/backends/server";
import { guard, openAiErrorResponse } from "@/lib/http/respond";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * OpenAI-compatible chat completions on the bundled model: messages mixing `text` and
 * `image_url` parts (data URLs or this server's /api/assets URLs), `stream`, `max_tokens`,
 * `temperature`, `top_p`, `seed`, `stop`, `logprobs` + `top_logprobs`, `stream_options.include_usage`,
 * and vLLM's `prompt_logprobs`, `add_generation_prompt`, `continue_final_message` (ranking through it).
 * Handler and request schema: lib/backends/server/openai.ts (log-probs: openai-logprobs.ts).
 * A shared deployment takes a workspace API key with the "run" scope (Authorization: Bearer fsk_…) or a session.
 */
// guard(): the Host and cross-site checks of every route (lib/http/origin.ts), answered in OpenAI's error shape.
export const POST = guard(async (request: Request) => {
  const refused = await refusalOf(async () => {
    // As /api/runs: a share link's holder is not signed in (401), whatever the link reaches.
    const caller = await callerOf(request);
    requireIdentified(caller);
    await authorize(caller, "run", { model: true });
  });
  return refused ? openAiErrorResponse(refused) : chatCompletions(request);
}, openAiErrorResponse);
