/** Accuracy-vs-shots points with Wilson 95% intervals, and how one cell's output is judged. */
import { exactMatch, tokenF1 } from "@/lib/eval/metrics";
import type { SweepCurvePoint, SweepMode, SweepSelection } from "./types";

const Z95 = 1.959963984540054;

/**
 * Wilson score interval for `k` successes in `n` trials (95% by default): unlike the normal
 * approximation it stays inside [0, 1] and is not zero-width at 0% or 100%. n = 0 gives [0, 1].
 */
export function wilson(k: number, n: number, z = Z95): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Exact at the ends (rounding would give 0.9999…).
  return { low: k === 0 ? 0 : Math.max(0, centre - half), high: k === n ? 1 : Math.min(1, centre + half) };
}

const ORDER: SweepSelection[] = ["random", "balanced", "rices"];

/**
 * One point per (engine, selection, shots) over all seeds × items, ordered by engine (as given),
 * selection, then shots. Failed cells (their engine kept failing) are left out: they say nothing
 * about the model.
 */
export function curveOf(
  results: readonly { engine?: string; selection: SweepSelection; shots: number; correct: boolean; score: number; error?: string | null }[],
  mode: SweepMode,
  engines: readonly string[] = [],
): SweepCurvePoint[] {
  const groups = new Map<string, { engine: string; selection: SweepSelection; shots: number; k: number; n: number; f1: number }>();
  for (const r of results) {
    if (r.error) continue;
    const engine = r.engine ?? "";
    const key = `${engine}|${r.selection}|${r.shots}`;
    const g = groups.get(key) ?? { engine, selection: r.selection, shots: r.shots, k: 0, n: 0, f1: 0 };
    g.n++;
    if (r.correct) g.k++;
    g.f1 += r.score;
    groups.set(key, g);
  }
  const engineOrder = (e: string) => (engines.includes(e) ? engines.indexOf(e) : engines.length);
  return [...groups.values()]
    .sort((a, b) => engineOrder(a.engine) - engineOrder(b.engine) || a.engine.localeCompare(b.engine) || ORDER.indexOf(a.selection) - ORDER.indexOf(b.selection) || a.shots - b.shots)
    .map((g) => ({ engine: g.engine, selection: g.selection, shots: g.shots, n: g.n, accuracy: g.k / g.n, ...wilson(g.k, g.n), ...(mode === "generate" ? { f1: g.f1 / g.n } : {}) }));
}

export interface Judged {
  output: string;
  correct: boolean;
  /** generate: token F1; rank: the chosen candidate's log-likelihood. */
  score: number;
}

/** Rank mode: the candidate with the highest summed log-likelihood (first on ties). */
export function judgeRank(candidates: readonly string[], scores: readonly number[], answer: string): Judged {
  if (candidates.length === 0 || scores.length !== candidates.length) throw new Error("one score per candidate expected");
  let best = 0;
  scores.forEach((s, i) => {
    if (s > (scores[best] as number)) best = i;
  });
  const output = candidates[best] as string;
  return { output, correct: exactMatch(output, answer), score: scores[best] as number };
}

/** Generate mode: exact match after trimming, token F1. */
export function judgeGenerate(output: string, answer: string): Judged {
  return { output, correct: exactMatch(output, answer), score: tokenF1(output, answer) };
}
