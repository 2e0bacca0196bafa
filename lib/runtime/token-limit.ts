/**
 * How many tokens a prompt may have, checked right after tokenizing and before any model work
 * (environment-neutral). Two bounds:
 *
 * - the model's context: prompt + the tokens a call adds (max tokens when generating, the longest
 *   candidate when scoring) — from the manifest's `architecture.language_model.max_position_embeddings`,
 *   else the package's `tokenizer_config.json` `model_max_length` (flamingo-mini: 512);
 * - a deployment cap on prompt tokens alone (the server's FLAMINGO_MAX_PROMPT_TOKENS).
 *
 * Past either, the call is refused with a 413 naming the count and the limit. The count may be a
 * lower bound ("at least"): a text far too long is refused from its UTF-8 length alone, without
 * tokenizing it (FlamingoTokenizer.promptTokensAtLeast).
 */
import { AppError } from "@/lib/errors";
import type { Manifest } from "./manifest";

export interface TokenLimits {
  /** Tokens the model reads in all (prompt + added tokens); undefined when the package declares none. */
  context?: number;
  /** Most prompt tokens this deployment accepts. */
  maxPromptTokens?: number;
  /** How the cap is named in its message (e.g. "FLAMINGO_MAX_PROMPT_TOKENS"). */
  capName?: string;
}

/** What a call adds to the prompt inside the model's context. */
export type TokenReserve =
  | { kind: "generate"; maxTokens: number }
  | { kind: "score"; candidateTokens: number }
  /** The prompt alone (prompt log-probs). */
  | { kind: "prompt" };

/** HF writes "no limit" as a huge number (1e30); anything this large is no statement of a context. */
const NO_LIMIT = 1_000_000_000;

const saneInt = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) && v > 0 && v < NO_LIMIT ? v : undefined);

/**
 * The model's context in tokens: the manifest's `architecture.language_model.max_position_embeddings`,
 * else `model_max_length` of tokenizer_config.json; undefined when neither says.
 */
export function modelContextTokens(manifest: Manifest, tokenizerConfig: unknown): number | undefined {
  const fromManifest = saneInt(manifest.architecture.language_model.max_position_embeddings);
  if (fromManifest !== undefined) return fromManifest;
  const cfg = tokenizerConfig && typeof tokenizerConfig === "object" ? (tokenizerConfig as Record<string, unknown>) : {};
  return saneInt(cfg.model_max_length);
}

const fmt = (n: number) => n.toLocaleString("en-US");

function reserveOf(r: TokenReserve): number {
  return r.kind === "generate" ? r.maxTokens : r.kind === "score" ? r.candidateTokens : 0;
}

/**
 * The most prompt tokens allowed for a call, and which bound sets it; undefined when nothing bounds it.
 * Throws a 400 when the reserve alone fills the context (max tokens ≥ context).
 */
export function promptTokenLimit(limits: TokenLimits, reserve: TokenReserve): { limit: number; by: "context" | "cap" } | undefined {
  const { context, maxPromptTokens } = limits;
  let byContext: number | undefined;
  if (context !== undefined) {
    byContext = context - reserveOf(reserve);
    if (byContext < 1) {
      if (reserve.kind === "generate") {
        throw new AppError("bad_request", `max tokens ${fmt(reserve.maxTokens)} leaves no room for a prompt: this model reads at most ${fmt(context)} tokens (prompt + max tokens)`);
      }
      if (reserve.kind === "score") {
        throw new AppError("payload_too_large", `A candidate is ${fmt(reserve.candidateTokens)} tokens; this model reads at most ${fmt(context)} (prompt + candidate)`);
      }
    }
  }
  if (byContext === undefined && maxPromptTokens === undefined) return undefined;
  if (maxPromptTokens === undefined || (byContext !== undefined && byContext <= maxPromptTokens)) return { limit: byContext as number, by: "context" };
  return { limit: maxPromptTokens, by: "cap" };
}

/**
 * Refuse (413) a prompt of `count` tokens (`atLeast`: a lower bound) past the limit for this call.
 * Messages: "The prompt is 9,214 tokens; this model reads at most 1,024 (prompt + max tokens), so with
 * max tokens 256 the prompt may have at most 768" / "...; this server accepts at most 2,048 prompt tokens (NAME)".
 */
export function checkPromptTokens(count: number, limits: TokenLimits, reserve: TokenReserve, atLeast = false): void {
  const bound = promptTokenLimit(limits, reserve);
  if (!bound || count <= bound.limit) return;
  const is = `The prompt is ${atLeast ? "at least " : ""}${fmt(count)} tokens`;
  let message: string;
  if (bound.by === "cap") {
    message = `${is}; this server accepts at most ${fmt(bound.limit)} prompt tokens${limits.capName ? ` (${limits.capName})` : ""}`;
  } else {
    const context = limits.context as number;
    if (reserve.kind === "generate") {
      message = `${is}; this model reads at most ${fmt(context)} (prompt + max tokens), so with max tokens ${fmt(reserve.maxTokens)} the prompt may have at most ${fmt(bound.limit)}`;
    } else if (reserve.kind === "score") {
      message = `${is} and its longest candidate ${fmt(reserve.candidateTokens)}; this model reads at most ${fmt(context)} (prompt + candidate)`;
    } else {
      message = `${is}; this model reads at most ${fmt(context)}`;
    }
  }
  throw new AppError("payload_too_large", message);
}
