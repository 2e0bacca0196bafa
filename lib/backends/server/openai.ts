import "server-only";
import { createHash } from "node:crypto";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { readJson } from "@/lib/http/respond";
import { eventStreamResponse } from "@/lib/http/sse";
import { installedModels } from "@/lib/models/installed";
import { normalizeSequence, type PromptPart, type PromptSequence } from "@/lib/prompt/sequence";
import type { FinishReason } from "@/lib/runtime/engine";
import { asAppError, putEphemeralImage } from "./engine";
import { startRun, streamErrorBody } from "./service";

/**
 * OpenAI-compatible chat completions on the bundled model (`/v1/chat/completions`, `/v1/models`;
 * route files re-export these handlers). Flamingo is a base model, not a chat model, so messages
 * become one interleaved prompt: system and user contents as they are (text and images in order),
 * each assistant message followed by `<|endofchunk|>` and a newline, as the trained chunk
 * templates have it. Images: `data:` URLs (base64) or this server's asset URLs
 * (`/api/assets/<sha256>`); other URLs are refused (the server fetches nothing).
 */
const MAX_BODY_BYTES = 24 * 1024 * 1024;
const ASSET_PATH = /\/api\/assets\/([0-9a-f]{64})\/?$/;

const ContentPart = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string().min(1), detail: z.string().optional() }) }),
]);

export const ChatCompletionRequest = z.object({
  model: z.string().min(1).max(64),
  messages: z
    .array(
      z.object({
        role: z.enum(["system", "developer", "user", "assistant"]),
        content: z.union([z.string(), z.array(ContentPart)]).nullable(),
        name: z.string().optional(),
      }),
    )
    .min(1),
  max_tokens: z.number().int().min(1).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  n: z.literal(1).nullable().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

function imagePart(url: string): PromptPart {
  const asset = ASSET_PATH.exec(url.startsWith("/") ? url : safePath(url));
  if (asset) return { type: "image", assetId: asset[1] as string };
  const m = /^data:(image\/[a-z0-9.+-]+)?(;[^,]*)?,(.*)$/is.exec(url);
  if (!m) throw new AppError("bad_request", "image_url must be a data: URL or an /api/assets/<id> URL of this server (nothing is fetched from elsewhere)");
  if (!(m[2] ?? "").includes(";base64")) throw new AppError("bad_request", "image data URLs must be base64-encoded");
  const bytes = new Uint8Array(Buffer.from(m[3] ?? "", "base64"));
  if (bytes.byteLength === 0) throw new AppError("bad_request", "An image data URL is empty");
  const id = createHash("sha256").update(bytes).digest("hex");
  putEphemeralImage(id, bytes);
  return { type: "image", assetId: id };
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "";
  }
}

/** Chat messages -> one Flamingo prompt. */
export function messagesToPrompt(messages: ChatCompletionRequest["messages"]): PromptSequence {
  const parts: PromptPart[] = [];
  for (const msg of messages) {
    const content = msg.content ?? "";
    if (typeof content === "string") parts.push({ type: "text", text: content });
    else for (const c of content) parts.push(c.type === "text" ? { type: "text", text: c.text } : imagePart(c.image_url.url));
    if (msg.role === "assistant") parts.push({ type: "endOfChunk" }, { type: "text", text: "\n" });
  }
  return normalizeSequence(parts);
}

const finish = (r: FinishReason) => (r === "max_tokens" ? "length" : "stop");

function openAiError(e: unknown): Response {
  const err = asAppError(e);
  if (err instanceof AppError) {
    const type = err.status >= 500 ? "server_error" : err.status === 429 ? "rate_limit_exceeded" : "invalid_request_error";
    return Response.json({ error: { message: err.message, type, code: err.code, param: null } }, { status: err.status });
  }
  if (err instanceof z.ZodError) {
    return Response.json({ error: { message: err.issues[0]?.message ?? "invalid request", type: "invalid_request_error", code: "validation_failed", param: null } }, { status: 400 });
  }
  console.error(err);
  return Response.json({ error: { message: "The server failed to complete the request", type: "server_error", code: "internal", param: null } }, { status: 500 });
}

/** POST /v1/chat/completions */
export async function chatCompletions(request: Request): Promise<Response> {
  try {
    const body = await readJson(request, ChatCompletionRequest, MAX_BODY_BYTES);
    const prompt = messagesToPrompt(body.messages);
    const abort = new AbortController();
    request.signal.addEventListener("abort", () => abort.abort(), { once: true });
    const stop = body.stop == null ? undefined : typeof body.stop === "string" ? [body.stop] : body.stop;
    const run = await startRun(
      {
        model: body.model,
        prompt,
        stream: body.stream === true,
        maxTokens: body.max_completion_tokens ?? body.max_tokens ?? 64,
        ...(body.temperature != null ? { temperature: body.temperature } : {}),
        ...(body.top_p != null ? { topP: body.top_p } : {}),
        ...(body.seed != null ? { seed: body.seed >>> 0 } : {}),
        ...(stop ? { stop } : {}),
      },
      abort.signal,
    );
    const id = `chatcmpl-${crypto.randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      for await (const _ of run.events) {
        // the result carries the text
      }
      const r = await run.result;
      return Response.json({
        id,
        object: "chat.completion",
        created,
        model: run.model.id,
        choices: [{ index: 0, message: { role: "assistant", content: r.text, refusal: null }, logprobs: null, finish_reason: finish(r.finishReason) }],
        usage: { prompt_tokens: r.usage.promptTokens, completion_tokens: r.usage.completionTokens, total_tokens: r.usage.promptTokens + r.usage.completionTokens },
        system_fingerprint: run.model.executionProvider,
      });
    }
    const chunk = (delta: object, finishReason: string | null) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: run.model.id, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;
    return eventStreamResponse(
      abort,
      async (send) => {
        send(chunk({ role: "assistant", content: "" }, null));
        for await (const e of run.events) if (e.text) send(chunk({ content: e.text }, null));
        const r = await run.result;
        send(chunk({}, finish(r.finishReason)));
        send("data: [DONE]\n\n");
      },
      (e) => `data: ${JSON.stringify(streamErrorBody(e))}\n\n`,
    );
  } catch (e) {
    return openAiError(e);
  }
}

/** GET /v1/models */
export async function listModels(): Promise<Response> {
  const { models } = await installedModels();
  return Response.json({ object: "list", data: models.filter((m) => m.ok).map((m) => ({ id: m.id, object: "model", created: 0, owned_by: "flamingo-studio" })) });
}
