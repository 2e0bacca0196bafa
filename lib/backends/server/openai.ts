import "server-only";
import { createHash } from "node:crypto";
import { z } from "zod";
import { inspectImage } from "@/lib/assets/inspect";
import { localAssetId } from "@/lib/assets/url";
import { env } from "@/lib/env";
import { AppError, retryAfterHeaders } from "@/lib/errors";
import { readJson } from "@/lib/http/respond";
import { eventStreamResponse } from "@/lib/http/sse";
import { installedModels } from "@/lib/models/installed";
import { normalizeSequence, type PromptPart, type PromptSequence } from "@/lib/prompt/sequence";
import type { FinishReason, GenerateResult, TokenEvent } from "@/lib/runtime/engine";
import { asAppError, putEphemeralImage } from "./engine";
import { checkPrompt, DEFAULT_LIMITS } from "./limits";
import { chatLogProbEntry, checkChatRequest, promptLogProbsJson, type ChatLogProbContent } from "./openai-logprobs";
import { startChatRun } from "./openai-run";
import { streamErrorBody } from "./service";

/**
 * OpenAI-compatible chat completions on the bundled model (`/v1/chat/completions`, `/v1/models`;
 * route files re-export these handlers). Flamingo is a base model, not a chat model, so messages
 * become one interleaved prompt: system and user contents as they are (text and images in order),
 * each assistant message (its text marked as an answer) followed by `<|endofchunk|>` and a newline,
 * as the trained chunk templates have it — except a final one with `continue_final_message`, which
 * the model continues. Images: `data:` URLs (base64) or this server's asset URLs
 * (`/api/assets/<sha256>`); other URLs are refused (the server fetches nothing).
 *
 * vLLM's extensions, as vLLM has them: `logprobs` + `top_logprobs` (≤ 20), `prompt_logprobs` (≤ 20,
 * not streamed), `add_generation_prompt` (nothing to add to a base model's prompt) and
 * `continue_final_message`, `stream_options.include_usage` (openai-logprobs.ts). Ranking through
 * it: messages = prompt + `{ role: "assistant", content: candidate }` with
 * `continue_final_message: true, add_generation_prompt: false, max_tokens: 1, prompt_logprobs: 0`,
 * and the sum of the candidate tokens' trailing `prompt_logprobs` is the bundled engine's score.
 */
const MAX_BODY_BYTES = 24 * 1024 * 1024;

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
  stream_options: z.object({ include_usage: z.boolean().nullable().optional() }).nullable().optional(),
  n: z.literal(1).nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  /** Ranges are checked by checkChatRequest, with vLLM's messages. */
  top_logprobs: z.number().int().nullable().optional(),
  prompt_logprobs: z.number().int().nullable().optional(),
  add_generation_prompt: z.boolean().nullable().optional(),
  continue_final_message: z.boolean().nullable().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/** Image bytes that came inside a request, by content hash, with where they were (for error messages). */
type RequestImages = Map<string, { bytes: Uint8Array; param: string }>;

interface PromptOptions {
  /** Leave the last (assistant) message open for the model to continue. */
  continueFinalMessage?: boolean;
  /** This server's own origins: an absolute asset URL on any other host is not a local image. */
  origins?: readonly string[];
}

function imagePart(url: string, images: RequestImages, param: string, origins: readonly string[]): PromptPart {
  // Only this server's own asset URLs (relative, or on one of its origins) name a stored image.
  const asset = localAssetId(url, origins);
  if (asset) return { type: "image", assetId: asset };
  const m = /^data:(image\/[a-z0-9.+-]+)?(;[^,]*)?,(.*)$/is.exec(url);
  if (!m) throw new AppError("bad_request", "image_url must be a data: URL or an /api/assets/<id> URL of this server (nothing is fetched from elsewhere)");
  if (!(m[2] ?? "").includes(";base64")) throw new AppError("bad_request", "image data URLs must be base64-encoded");
  const bytes = new Uint8Array(Buffer.from(m[3] ?? "", "base64"));
  if (bytes.byteLength === 0) throw new AppError("bad_request", "An image data URL is empty");
  const id = createHash("sha256").update(bytes).digest("hex");
  if (!images.has(id)) images.set(id, { bytes, param });
  return { type: "image", assetId: id };
}


/**
 * Chat messages -> one Flamingo prompt. Assistant text is answer-marked (the tokenizer reads adjacent
 * texts as one, so the tokens do not change). `continueFinalMessage`: the last message (an assistant
 * one) is left open, without `<|endofchunk|>` and newline, for the model to continue.
 */
export function messagesToPrompt(messages: ChatCompletionRequest["messages"], opts: PromptOptions = {}): PromptSequence {
  const { prompt, images } = buildPrompt(messages, opts);
  for (const [id, { bytes }] of images) putEphemeralImage(id, bytes);
  return prompt;
}

/**
 * messagesToPrompt for a request: its data-URL images pass the checks uploads pass (lib/assets
 * inspectImage: ASSET_MAX_BYTES, content sniffing, ASSET_MAX_MEGAPIXELS from the header before any
 * decoding, then a native streaming decode) before any is kept; too many images are refused first.
 */
async function acceptPrompt(messages: ChatCompletionRequest["messages"], opts: PromptOptions): Promise<PromptSequence> {
  const { prompt, images } = buildPrompt(messages, opts);
  checkPrompt(prompt, DEFAULT_LIMITS);
  for (const { bytes, param } of images.values()) {
    try {
      await inspectImage(bytes);
    } catch (e) {
      if (e instanceof AppError) throw new AppError(e.code, `${param}: ${e.message}`, { cause: e, details: [{ path: [param], message: e.message }] });
      throw e;
    }
  }
  for (const [id, { bytes }] of images) putEphemeralImage(id, bytes);
  return prompt;
}

function buildPrompt(messages: ChatCompletionRequest["messages"], opts: PromptOptions): { prompt: PromptSequence; images: RequestImages } {
  const parts: PromptPart[] = [];
  const images: RequestImages = new Map();
  messages.forEach((msg, i) => {
    const content = msg.content ?? "";
    const answer = msg.role === "assistant";
    const textPart = (text: string): PromptPart => (answer ? { type: "text", text, answer: true } : { type: "text", text });
    if (typeof content === "string") parts.push(textPart(content));
    else content.forEach((c, j) => parts.push(c.type === "text" ? textPart(c.text) : imagePart(c.image_url.url, images, `messages.${i}.content.${j}.image_url`, opts.origins ?? [])));
    const open = opts.continueFinalMessage === true && i === messages.length - 1;
    if (answer && !open) parts.push({ type: "endOfChunk" }, { type: "text", text: "\n" });
  });
  return { prompt: normalizeSequence(parts), images };
}

const finish = (r: FinishReason) => (r === "max_tokens" ? "length" : "stop");

function openAiError(e: unknown): Response {
  const err = asAppError(e);
  if (err instanceof AppError) {
    const type = err.status >= 500 ? "server_error" : err.status === 429 ? "rate_limit_exceeded" : "invalid_request_error";
    const param = err.details?.[0]?.path?.join(".") || null;
    return Response.json({ error: { message: err.message, type, code: err.code, param } }, { status: err.status, headers: retryAfterHeaders(err) });
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
    checkChatRequest(body);
    const publicUrl = env().STUDIO_PUBLIC_URL;
    const origins = [new URL(request.url).origin, ...(publicUrl ? [publicUrl.origin] : [])];
    const prompt = await acceptPrompt(body.messages, { continueFinalMessage: body.continue_final_message === true, origins });
    const abort = new AbortController();
    request.signal.addEventListener("abort", () => abort.abort(), { once: true });
    const stop = body.stop == null ? undefined : typeof body.stop === "string" ? [body.stop] : body.stop;
    const logprobs = body.logprobs === true ? (body.top_logprobs ?? 0) : undefined;
    const run = await startChatRun(
      {
        model: body.model,
        prompt,
        params: {
          maxTokens: body.max_completion_tokens ?? body.max_tokens ?? 64,
          ...(body.temperature != null ? { temperature: body.temperature } : {}),
          ...(body.top_p != null ? { topP: body.top_p } : {}),
          ...(body.seed != null ? { seed: body.seed >>> 0 } : {}),
          ...(stop ? { stop } : {}),
          ...(logprobs !== undefined ? { logprobs } : {}),
        },
        ...(body.prompt_logprobs != null ? { promptLogprobs: body.prompt_logprobs } : {}),
      },
      abort.signal,
    );
    const id = `chatcmpl-${crypto.randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const tokenText = (t: number) => run.model.engine.tokenText(t);
    const entry = (e: TokenEvent) => chatLogProbEntry(e, tokenText);
    const usage = (r: GenerateResult) => ({ prompt_tokens: r.usage.promptTokens, completion_tokens: r.usage.completionTokens, total_tokens: r.usage.promptTokens + r.usage.completionTokens });
    if (!body.stream) {
      const content: ChatLogProbContent[] = [];
      for await (const e of run.events) if (logprobs !== undefined) content.push(entry(e));
      const r = await run.result;
      return Response.json({
        id,
        object: "chat.completion",
        created,
        model: run.model.id,
        choices: [{ index: 0, message: { role: "assistant", content: r.text, refusal: null }, logprobs: logprobs !== undefined ? { content } : null, finish_reason: finish(r.finishReason) }],
        usage: usage(r),
        prompt_logprobs: run.promptLogProbs ? promptLogProbsJson(run.promptLogProbs) : null,
        system_fingerprint: run.model.executionProvider,
      });
    }
    const frame = (data: object) => `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: run.model.id, ...data })}\n\n`;
    const chunk = (delta: object, finishReason: string | null, lp: ChatLogProbContent[] | null = null) =>
      frame({ choices: [{ index: 0, delta, logprobs: lp ? { content: lp } : null, finish_reason: finishReason }] });
    return eventStreamResponse(
      abort,
      async (send) => {
        send(chunk({ role: "assistant", content: "" }, null));
        for await (const e of run.events) {
          // With log-probs every token gets its chunk (its text may be held back: then the delta is empty).
          if (logprobs !== undefined) send(chunk({ content: e.text }, null, [entry(e)]));
          else if (e.text) send(chunk({ content: e.text }, null));
        }
        const r = await run.result;
        send(chunk({}, finish(r.finishReason)));
        if (body.stream_options?.include_usage === true) send(frame({ choices: [], usage: usage(r) }));
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
