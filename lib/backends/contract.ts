/**
 * THE backend contract. Every engine that runs a prompt — the bundled model in the browser worker,
 * the bundled model on the server (onnxruntime-node), a remote OpenAI-compatible endpoint (vLLM,
 * llama.cpp, Ollama, a hosted API) — takes a PromptSequence through these calls, so the run panel,
 * notebook cells, sweeps and `npm run eval` never ask which kind they hold.
 *
 * Environment-neutral: types only, no node: or DOM imports.
 */
import type { PromptSequence } from "@/lib/prompt/sequence";
import type { CandidateScore, GenerateOptions, GenerateResult, TokenEvent } from "@/lib/runtime/engine";

/** Decoding parameters (validated ranges: GenerateParamsSchema in lib/runtime/requests.ts). */
export type GenerateParams = Omit<GenerateOptions, "signal" | "onToken">;

/** What kind of engine a registry entry is. */
export type EngineKind = "bundled" | "openai" | "transformersjs";

/**
 * How candidates were ranked, best method first:
 * - `exact`: the bundled engine's summed log-likelihood of every candidate token;
 * - `prompt_logprobs`: vLLM's `prompt_logprobs` on the prompt + candidate (exact sum);
 * - `echo_logprobs`: `/v1/completions` with `echo` + `logprobs` (exact sum);
 * - `first_token_logprobs`: the first generated token's `top_logprobs` (approximate: only the first
 *   token counts, and only when the candidates differ there);
 * - `generate_match`: a greedy answer matched against the candidates (no probabilities at all).
 */
export type RankMethod = "exact" | "prompt_logprobs" | "echo_logprobs" | "first_token_logprobs" | "generate_match";

export const RANK_METHODS: Record<RankMethod, { label: string; approximate: boolean }> = {
  exact: { label: "exact log-likelihood", approximate: false },
  prompt_logprobs: { label: "exact, from prompt log-probabilities", approximate: false },
  echo_logprobs: { label: "exact, from echoed completion log-probabilities", approximate: false },
  first_token_logprobs: { label: "approximate: first-token log-probabilities", approximate: true },
  generate_match: { label: "approximate: greedy answer matched to a candidate", approximate: true },
};

export interface BackendCapabilities {
  /** Tokens arrive one by one. */
  streaming: boolean;
  /** Rank methods this backend can run, best first: `score` uses the first that works. */
  rankMethods: RankMethod[];
  /** Most images one prompt may carry (null: no known limit). */
  maxImagesPerPrompt: number | null;
  /** Requests worth running at once (the bundled engines run one at a time). */
  maxConcurrency: number;
  /** Per-token attention traces, beam search, seeded sampling: bundled engines only. */
  trace: boolean;
  beams: boolean;
}

/** Token counts as the engine reported them (remote engines report what they bill). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** What went over the wire to a remote engine, for the run inspector (image bytes elided, no secrets). */
export interface Exchange {
  url: string;
  request: unknown;
  /** The raw response body (JSON), or the concatenated stream events. */
  response: unknown;
  status: number;
}

export interface RunHooks {
  signal?: AbortSignal;
  /** Each token (or text delta of a remote stream) as it arrives. */
  onToken?: (event: TokenEvent) => void;
}

export interface BackendRunResult extends GenerateResult {
  /** The registry id of the engine that ran it, and the model it names. */
  engine: string;
  model: string;
  /** Wall time of the call, queueing and network included. */
  latencyMs: number;
  exchange?: Exchange;
}

export interface ScoreCallOptions {
  signal?: AbortSignal;
  /** Bundled engines: append `<|endofchunk|>` to each candidate, as the paper's ranking does (default true). */
  appendEndOfChunk?: boolean;
}

export interface ScoreOutcome {
  /** One per candidate, in the order given. Remote engines may leave `tokenIds` empty. */
  scores: CandidateScore[];
  /** Candidate indices, best first. */
  ranking: number[];
  method: RankMethod;
  approximate: boolean;
  /** Why a better method was not used (e.g. "the engine returned no prompt log-probabilities"). */
  note?: string;
  usage?: Usage;
  latencyMs: number;
  exchange?: Exchange;
}

export interface Backend {
  /** Registry id ("flamingo-mini" for the bundled package, a generated id for a stored engine). */
  readonly id: string;
  readonly kind: EngineKind;
  /** The model it runs (the package id, or the remote model id). */
  readonly model: string;
  capabilities(): BackendCapabilities;
  /** Generate a continuation; `hooks.onToken` streams it. */
  generate(prompt: PromptSequence, params: GenerateParams, hooks?: RunHooks): Promise<BackendRunResult>;
  /** Rank candidate continuations of the prompt (the method used is in the outcome). */
  score(prompt: PromptSequence, candidates: readonly string[], opts?: ScoreCallOptions): Promise<ScoreOutcome>;
  /** Several prompts at once: the bundled engine batches them; others run them one after another. */
  scoreMany(prompts: readonly PromptSequence[], candidates: readonly (readonly string[])[], opts?: ScoreCallOptions): Promise<ScoreOutcome[]>;
}

/** Candidate indices by score, best first (ties keep the given order). */
export function rankingOf(scores: readonly { sum: number }[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => (scores[b]?.sum ?? -Infinity) - (scores[a]?.sum ?? -Infinity) || a - b);
}

/** A log-likelihood as it arrives over JSON (no −∞ there: null): anything but a number is −∞. */
export const logLik = (x: number | null | undefined): number => (typeof x === "number" && !Number.isNaN(x) ? x : -Infinity);

export type { CandidateScore, GenerateResult, TokenEvent };
