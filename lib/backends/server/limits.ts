import "server-only";
import { AppError } from "@/lib/errors";
import { imagesOf, type PromptSequence } from "@/lib/prompt/sequence";

/** Request limits of the server backend (clear 4xx errors before any model work). */
export interface ServerLimits {
  maxImagesPerPrompt: number;
  maxNewTokens: number;
  maxPromptChars: number;
  maxCandidates: number;
  /** Requests allowed to wait per model before 429. */
  maxQueue: number;
  /** Most prompt tokens (after tokenizing; 413 past it). Default FLAMINGO_MAX_PROMPT_TOKENS (lib/env.ts); the model's context applies too. */
  maxPromptTokens?: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxImagesPerPrompt: 64,
  maxNewTokens: 256,
  maxPromptChars: 64_000,
  maxCandidates: 256,
  maxQueue: 16,
};

export function checkPrompt(prompt: PromptSequence, limits: ServerLimits = DEFAULT_LIMITS): void {
  const n = imagesOf(prompt).length;
  if (n > limits.maxImagesPerPrompt) {
    throw new AppError("payload_too_large", `The prompt has ${n} images; at most ${limits.maxImagesPerPrompt} are allowed per prompt`);
  }
  const chars = prompt.parts.reduce((s, p) => s + (p.type === "text" ? p.text.length : 0), 0);
  if (chars > limits.maxPromptChars) {
    throw new AppError("payload_too_large", `The prompt has ${chars} characters of text; at most ${limits.maxPromptChars} are allowed`);
  }
  if (prompt.parts.length === 0) throw new AppError("bad_request", "The prompt is empty");
}

export function checkMaxTokens(maxTokens: number | undefined, limits: ServerLimits = DEFAULT_LIMITS): void {
  if (maxTokens === undefined) return;
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > limits.maxNewTokens) {
    throw new AppError("bad_request", `max tokens must be a whole number from 1 to ${limits.maxNewTokens}`);
  }
}

export function checkCandidates(candidates: readonly string[], limits: ServerLimits = DEFAULT_LIMITS): void {
  if (candidates.length === 0) throw new AppError("bad_request", "Give at least one candidate to score");
  if (candidates.length > limits.maxCandidates) {
    throw new AppError("payload_too_large", `${candidates.length} candidates; at most ${limits.maxCandidates} are allowed`);
  }
}
