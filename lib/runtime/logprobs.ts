/**
 * Log-probabilities of one row of logits `[V]` (pure helpers, environment-neutral): the log-prob of a
 * given token, its rank in the vocabulary and the k most likely tokens. All in float64 natural log,
 * on the raw logits (before temperature / top-p / min-tokens masking), as vLLM's `raw_logprobs`.
 */
import { logSumExp } from "./sampling";

/** One token and its log-probability at a position. */
export interface TokenLogProb {
  tokenId: number;
  /** The token on its own, decoded (special tokens as their literal text). */
  text: string;
  logprob: number;
}

/** Log-probs at one position, token ids only (texts are attached by the engine). */
export interface RowLogProbs {
  /** Log-probability of the token actually there. */
  logprob: number;
  /** 1-based rank of that token: 1 + the number of tokens strictly more likely. */
  rank: number;
  /** The k most likely token ids, most likely first (ties: lower id first). */
  topIds: number[];
  /** Their log-probabilities, same order. */
  topLogprobs: number[];
}

/**
 * Indices of the k largest values of `row`, largest first; equal values keep the lower index first.
 * One pass with a sorted insertion buffer of k (k is small next to V).
 */
export function topIndices(row: ArrayLike<number>, k: number): number[] {
  const n = Math.min(Math.max(0, Math.floor(k)), row.length);
  if (n === 0) return [];
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i] as number;
    if (idx.length === n && !(v > (val[n - 1] as number))) continue;
    // Insert after every kept value >= v (earlier indices win ties).
    let at = idx.length === n ? n - 1 : idx.length;
    while (at > 0 && (val[at - 1] as number) < v) at--;
    if (idx.length === n) {
      idx.pop();
      val.pop();
    }
    idx.splice(at, 0, i);
    val.splice(at, 0, v);
  }
  return idx;
}

/** 1 + how many entries of `row` are strictly greater than `row[token]`. */
export function rankOf(row: ArrayLike<number>, token: number): number {
  const v = row[token] as number;
  let greater = 0;
  for (let i = 0; i < row.length; i++) if ((row[i] as number) > v) greater++;
  return greater + 1;
}

/**
 * Log-probs of `row` (`[V]` logits) for `token`: its log-prob, its rank (when `withRank`, else 0) and
 * the top `k` alternatives. Cost: two passes for the log-normaliser, one for the top-k, one for the rank.
 */
export function rowLogProbs(row: ArrayLike<number>, token: number, k: number, withRank = true): RowLogProbs {
  const lse = logSumExp(row);
  const topIds = topIndices(row, k);
  return {
    logprob: (row[token] as number) - lse,
    rank: withRank ? rankOf(row, token) : 0,
    topIds,
    topLogprobs: topIds.map((i) => (row[i] as number) - lse),
  };
}
