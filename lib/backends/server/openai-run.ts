import "server-only";
import type { GenerateParams } from "@/lib/backends/contract";
import type { PromptSequence } from "@/lib/prompt/sequence";
import type { GenerateResult, PromptTokenLogProbs, TokenEvent } from "@/lib/runtime/engine";
import { primed, type Streamed } from "@/lib/runtime/stream";
import { asAppError, getServerModel, type ServerModel } from "./engine";
import { checkMaxTokens, checkPrompt, DEFAULT_LIMITS } from "./limits";

export interface ChatRunRequest {
  model: string;
  prompt: PromptSequence;
  /** Decoding parameters, `logprobs` (alternatives per generated token) included. */
  params: GenerateParams & { maxTokens: number };
  /** vLLM's `prompt_logprobs`: alternatives per prompt token (absent: none computed). */
  promptLogprobs?: number;
}

export interface ChatRun {
  model: ServerModel;
  /** Every token event, the first one included. */
  events: AsyncIterable<TokenEvent>;
  result: Promise<GenerateResult>;
  promptLogProbs?: PromptTokenLogProbs[];
}

/**
 * Start a chat completion, which may also ask for log-probs: checks the limits,
 * loads the model, computes the prompt log-probs when asked (one queued engine call, which leaves the
 * whole prompt in the prefix cache), then starts generating (another queued call, a prefix-cache hit)
 * and resolves once the first token exists, so that errors before any output are still a 4xx.
 */
export async function startChatRun(req: ChatRunRequest, signal: AbortSignal): Promise<ChatRun> {
  checkPrompt(req.prompt, DEFAULT_LIMITS);
  checkMaxTokens(req.params.maxTokens, DEFAULT_LIMITS);
  const model = await getServerModel(req.model);
  // Token limits (prompt + max_tokens within the model's context, FLAMINGO_MAX_PROMPT_TOKENS) before any model work.
  model.engine.checkPrompt(req.prompt, { kind: "generate", maxTokens: req.params.maxTokens });
  let promptLogProbs: PromptTokenLogProbs[] | undefined;
  let run: Streamed<TokenEvent, GenerateResult>;
  let events: AsyncIterable<TokenEvent>;
  try {
    if (req.promptLogprobs !== undefined) promptLogProbs = await model.engine.promptLogProbs(req.prompt, req.promptLogprobs, signal);
    run = model.engine.stream(req.prompt, { ...req.params, signal });
    events = await primed(run.events);
  } catch (e) {
    throw asAppError(e);
  }
  return { model, events, result: run.result, ...(promptLogProbs ? { promptLogProbs } : {}) };
}
