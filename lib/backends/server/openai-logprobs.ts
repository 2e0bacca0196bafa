import "server-only";
import { AppError } from "@/lib/errors";
import type { PromptTokenLogProbs, TokenEvent } from "@/lib/runtime/engine";
import type { TokenLogProb } from "@/lib/runtime/logprobs";

/**
 * Log-probabilities on /v1/chat/completions, as vLLM's OpenAI server has them: request checks with
 * vLLM's wording (vllm/entrypoints/openai/protocol.py `check_logprobs`, `check_generation_prompt`,
 * `validate_stream_options`; the cap of `--max-logprobs` 20 from vllm/v1/engine/processor.py) and
 * the response shapes (`choices[0].logprobs.content[]`, top-level `prompt_logprobs`).
 */

/** vLLM's default `--max-logprobs`. */
export const MAX_LOGPROBS = 20;

/** vLLM writes -inf as this (JSON has no infinities). */
const NEG_INF = -9999.0;

/** What the checks read of a request (the fields of ChatCompletionRequest they concern). */
export interface LogProbFields {
  stream?: boolean | null;
  stream_options?: object | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  prompt_logprobs?: number | null;
  add_generation_prompt?: boolean | null;
  continue_final_message?: boolean | null;
  messages: readonly { role: string }[];
}

/** A 400 naming the field, in OpenAI's shape once openAiError renders it. */
export function invalidParam(param: string, message: string): AppError {
  return new AppError("bad_request", message, { details: [{ path: [param], message }] });
}

/** Cross-field checks of a chat request (throws a 400 with vLLM's message). */
export function checkChatRequest(body: LogProbFields): void {
  if (body.stream_options != null && body.stream !== true) {
    throw invalidParam("stream_options", "Stream options can only be defined when `stream=True`.");
  }
  const plp = body.prompt_logprobs;
  if (plp != null) {
    // vLLM refuses only values > 0 with a stream (0 parses, and streams nothing): refused outright here.
    if (body.stream === true) throw invalidParam("prompt_logprobs", "`prompt_logprobs` are not available when `stream=True`.");
    if (plp < 0) throw invalidParam("prompt_logprobs", "`prompt_logprobs` must be a positive value.");
    if (plp > MAX_LOGPROBS) throw invalidParam("prompt_logprobs", `Requested prompt logprobs of ${plp}, which is greater than max allowed: ${MAX_LOGPROBS}`);
  }
  const top = body.top_logprobs;
  if (top != null) {
    if (top < 0) throw invalidParam("top_logprobs", "`top_logprobs` must be a positive value.");
    if (top > 0 && body.logprobs !== true) throw invalidParam("top_logprobs", "when using `top_logprobs`, `logprobs` must be set to true.");
    if (body.logprobs === true && top > MAX_LOGPROBS) {
      throw invalidParam("top_logprobs", `Requested sample logprobs of ${top}, which is greater than max allowed: ${MAX_LOGPROBS}`);
    }
  }
  if (body.continue_final_message === true && body.add_generation_prompt === true) {
    throw invalidParam("continue_final_message", "Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
  }
  const last = body.messages[body.messages.length - 1];
  if (body.continue_final_message === true && last?.role !== "assistant") {
    throw invalidParam("continue_final_message", `continue_final_message needs the last message to be an assistant message to continue; it is a ${last?.role ?? "missing"} message.`);
  }
}

const finite = (x: number) => (x === -Infinity || Number.isNaN(x) ? NEG_INF : x);
const bytesOf = (text: string) => [...new TextEncoder().encode(text)];

export interface ChatLogProb {
  token: string;
  logprob: number;
  bytes: number[];
}
export interface ChatLogProbContent extends ChatLogProb {
  top_logprobs: ChatLogProb[];
}

const alt = (t: TokenLogProb): ChatLogProb => ({ token: t.text, logprob: finite(t.logprob), bytes: bytesOf(t.text) });

/**
 * One generated token (an event of a run with `logprobs`) as a `logprobs.content` entry. The stop
 * token gets one too (vLLM lists the EOS token it stopped on), though it is not part of the text.
 */
export function chatLogProbEntry(e: TokenEvent, tokenText: (id: number) => string): ChatLogProbContent {
  const token = tokenText(e.tokenId);
  return { token, logprob: finite(e.logprob ?? NEG_INF), bytes: bytesOf(token), top_logprobs: (e.top ?? []).map(alt) };
}

export type PromptLogProbsJson = (Record<string, { logprob: number; rank: number; decoded_token: string }> | null)[];

/**
 * vLLM's `prompt_logprobs`: null for the first token, then per token `{ "<id>": { logprob, rank,
 * decoded_token } }` holding the token itself (its real rank) and the top-k (ranks 1..k).
 */
export function promptLogProbsJson(positions: readonly PromptTokenLogProbs[]): PromptLogProbsJson {
  return positions.map((p) => {
    if (p.logprob === null) return null;
    const out: Record<string, { logprob: number; rank: number; decoded_token: string }> = {};
    out[String(p.tokenId)] = { logprob: finite(p.logprob), rank: p.rank ?? 1, decoded_token: p.text };
    p.top.forEach((t, i) => {
      out[String(t.tokenId)] ??= { logprob: finite(t.logprob), rank: i + 1, decoded_token: t.text };
    });
    return out;
  });
}
