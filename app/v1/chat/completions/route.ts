import { chatCompletions } from "@/lib/backends/server";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * OpenAI-compatible chat completions on the bundled model: messages mixing `text` and
 * `image_url` parts (data URLs or this server's /api/assets URLs), `stream`, `max_tokens`,
 * `temperature`, `top_p`, `seed`, `stop`. Handler and request schema: lib/backends/server/openai.ts.
 */
export const POST = chatCompletions;
