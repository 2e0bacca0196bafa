import "server-only";

/**
 * Pure ranking arithmetic on what engines return: vLLM's `prompt_logprobs`, the first generated
 * token's `top_logprobs`, a greedy answer.
 */

/** vLLM writes -inf as -9999.0 in JSON. */
export const asLogProb = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? (v <= -9999 ? -Infinity : v) : -Infinity);

export type CandidateWalk =
  | { ok: true; tokens: string[]; tokenLogProbs: number[]; sum: number }
  | { ok: false; reason: string };

interface PromptLogprob {
  logprob?: unknown;
  decoded_token?: unknown;
  rank?: unknown;
}

/** The prompt token's entry of one position: the rank-1-of-the-prompt entry first (vLLM's order), else the first. */
function actualEntry(pos: Record<string, PromptLogprob>): PromptLogprob | undefined {
  const values = Object.values(pos).filter((v): v is PromptLogprob => !!v && typeof v === "object");
  return values[0];
}

/** Template junk after the content (an end-of-turn marker, a newline) that is not the candidate's. */
const TRAILER = /^(\s+|<\|[^|]*\|>|<\/s>|<end_of_turn>|<eos>)$/;

/**
 * The candidate's log-probability from `prompt_logprobs` of prompt + candidate: walks back from the
 * last entry, summing each token's log-probability and prepending its `decoded_token`, until the text
 * covers the candidate (whitespace-trimmed). A token that straddles the prompt/candidate boundary
 * counts as the candidate's. End-of-turn markers and whitespace after the candidate are skipped.
 */
export function candidateFromPromptLogprobs(entries: unknown, candidate: string): CandidateWalk {
  if (!Array.isArray(entries) || entries.length === 0) return { ok: false, reason: "the engine returned no prompt log-probabilities" };
  const target = candidate.trim();
  if (target === "") return { ok: false, reason: "the candidate is empty" };
  const keepTrailingSpace = /\s$/.test(candidate);
  const tokens: string[] = [];
  const lps: number[] = [];
  let acc = "";
  for (let i = entries.length - 1; i >= 0; i--) {
    const pos = entries[i] as unknown;
    if (!pos || typeof pos !== "object") break;
    const e = actualEntry(pos as Record<string, PromptLogprob>);
    if (!e) break;
    const text = typeof e.decoded_token === "string" ? e.decoded_token : "";
    if (tokens.length === 0 && TRAILER.test(text) && !(keepTrailingSpace && /^\s+$/.test(text))) continue;
    tokens.unshift(text);
    lps.unshift(asLogProb(e.logprob));
    acc = text + acc;
    if (acc.trim().length >= target.length) {
      if (!acc.trim().endsWith(target)) {
        return { ok: false, reason: `the prompt's last tokens ${JSON.stringify(acc.trim().slice(-80))} do not spell the candidate ${JSON.stringify(target.slice(0, 80))}` };
      }
      return { ok: true, tokens, tokenLogProbs: lps, sum: lps.reduce((a, b) => a + b, 0) };
    }
  }
  return { ok: false, reason: "the prompt log-probabilities do not cover the candidate" };
}

export interface TopToken {
  token: string;
  logprob: number;
}

export type FirstTokenMatch =
  | { ok: true; logprobs: number[]; matched: (string | null)[] }
  | { ok: false; reason: string };

/**
 * Each candidate's first token among the top log-probabilities of the first generated token: the
 * longest top token that is a non-empty prefix of the candidate (both whitespace-trimmed; the more
 * likely of equal ones). Usable only when the matched candidates have distinct first tokens and at
 * least one matched; unmatched candidates get -Infinity.
 */
export function matchFirstTokens(top: readonly TopToken[], candidates: readonly string[]): FirstTokenMatch {
  if (top.length === 0) return { ok: false, reason: "the engine returned no top log-probabilities" };
  const matched: (string | null)[] = [];
  const logprobs: number[] = [];
  for (const c of candidates) {
    const ct = c.trim();
    let best: { key: string; lp: number } | null = null;
    for (const t of top) {
      const key = t.token.trim();
      if (key === "" || !ct.startsWith(key)) continue;
      const lp = asLogProb(t.logprob);
      if (!best || key.length > best.key.length || (key.length === best.key.length && lp > best.lp)) best = { key, lp };
    }
    matched.push(best?.key ?? null);
    logprobs.push(best?.lp ?? -Infinity);
  }
  if (matched.every((m) => m === null)) return { ok: false, reason: `no candidate starts with one of the engine's ${top.length} most likely first tokens` };
  const seen = new Map<string, number>();
  for (let i = 0; i < matched.length; i++) {
    const key = matched[i];
    if (key == null) continue;
    const j = seen.get(key);
    if (j !== undefined) {
      return { ok: false, reason: `candidates ${JSON.stringify(candidates[j])} and ${JSON.stringify(candidates[i])} share the first token ${JSON.stringify(key)}` };
    }
    seen.set(key, i);
  }
  return { ok: true, logprobs, matched };
}

/**
 * The candidate a greedy answer names: equal to the trimmed output (case-insensitive), else the
 * longest candidate the output starts with; null when none.
 */
export function matchGenerated(output: string, candidates: readonly string[]): number | null {
  const out = output.trim().toLowerCase();
  if (out === "") return null;
  const norm = candidates.map((c) => c.trim().toLowerCase());
  const equal = norm.indexOf(out);
  if (equal >= 0) return equal;
  let best: number | null = null;
  norm.forEach((c, i) => {
    if (c !== "" && out.startsWith(c) && (best === null || c.length > (norm[best] as string).length)) best = i;
  });
  return best;
}

/** Tokens to generate for `generate_match`: enough for the longest candidate (~4 characters a token), at least 16. */
export function generateMatchMaxTokens(candidates: readonly string[]): number {
  const longest = Math.max(0, ...candidates.map((c) => c.trim().length));
  return Math.min(256, Math.max(16, Math.ceil(longest / 2) + 4));
}
