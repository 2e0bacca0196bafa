/** Eval metrics: exact match, token F1 (SQuAD-style), mean with a 95% confidence interval. */

/** Exact match after trimming whitespace (case-sensitive, as the model is asked to copy labels). */
export function exactMatch(prediction: string, answer: string): boolean {
  return prediction.trim() === answer.trim();
}

const tokens = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .split(/\s+/)
    .filter(Boolean);

/** Token-level F1 between prediction and answer (lower-cased, punctuation ignored); 1 when both are empty. */
export function tokenF1(prediction: string, answer: string): number {
  const p = tokens(prediction);
  const a = tokens(answer);
  if (p.length === 0 || a.length === 0) return p.length === a.length ? 1 : 0;
  const left = new Map<string, number>();
  for (const t of a) left.set(t, (left.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of p) {
    const n = left.get(t) ?? 0;
    if (n > 0) {
      common++;
      left.set(t, n - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / a.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface MeanCI {
  mean: number;
  /** Half-width of the 95% interval: 1.96·sqrt(var/n), var the population variance (for 0/1 scores, p(1−p), as training/evaluate.py). */
  ci95: number;
  n: number;
}

export function meanCI(values: readonly number[]): MeanCI {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, ci95: Number.NaN, n: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  return { mean, ci95: 1.96 * Math.sqrt(variance / n), n };
}
