/**
 * Demonstration selection, seeded, never the query itself.
 *
 * Each seed gives every item a random key (`demonstrationKeys`); a query's k demonstrations are
 * the k items with the smallest keys other than the query, in key order. So all queries of a
 * seed share one demonstration set (a query inside it has its slot taken by the next item),
 * and the k-shot set is the start of the 2k-shot set: prompts share their prefix, which the
 * engine's prefix cache reuses. `balanced`: equally many per answer (the remainder going to the
 * answers whose first item comes earliest in key order), still in key order.
 */
import { AppError } from "@/lib/errors";
import { seededRandom } from "@/lib/runtime/sampling";

export type Rng = () => number;
export { seededRandom };

/** One random key per item for `seed` (mulberry32 stream of the seed). */
export function demonstrationKeys(n: number, seed: number): Float64Array {
  const rng = seededRandom(Math.imul(seed + 1, 0x9e3779b1) >>> 0);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = rng();
  return keys;
}

export interface SelectOptions {
  balanced?: boolean;
  /** Item indices never used (the query). */
  exclude?: readonly number[];
}

/** `shots` indices into `answers` (the dataset's answers, one per item), in demonstration order. */
export function selectDemonstrations(answers: readonly string[], shots: number, keys: ArrayLike<number>, opts: SelectOptions = {}): number[] {
  if (!Number.isInteger(shots) || shots < 0) throw new AppError("bad_request", `shots must be a whole number ≥ 0, got ${shots}`);
  if (keys.length !== answers.length) throw new Error("one key per item expected");
  if (shots === 0) return [];
  const excluded = new Set(opts.exclude ?? []);
  const pool = answers
    .map((_, i) => i)
    .filter((i) => !excluded.has(i))
    .sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
  if (pool.length < shots) throw new AppError("bad_request", `${shots} demonstrations asked for, but only ${pool.length} items are available besides the query`);
  if (!opts.balanced) return pool.slice(0, shots);
  const labels: string[] = [];
  for (const i of pool) if (!labels.includes(answers[i] as string)) labels.push(answers[i] as string);
  const per = Math.floor(shots / labels.length);
  const quota = new Map(labels.map((l, r) => [l, per + (r < shots - per * labels.length ? 1 : 0)]));
  const picked: number[] = [];
  for (const i of pool) {
    const left = quota.get(answers[i] as string) as number;
    if (left > 0) {
      picked.push(i);
      quota.set(answers[i] as string, left - 1);
    }
  }
  for (const [l, left] of quota) {
    if (left > 0) throw new AppError("bad_request", `--balanced needs ${left} more demonstrations of "${l}" than the file has besides the query`);
  }
  return picked;
}

/** Seeded Fisher–Yates shuffle (a copy). */
export function shuffle<T>(xs: readonly T[], rng: Rng): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/**
 * Balanced demonstrations that keep the prefix property: the pool in key order is dealt round-robin
 * over its answers (answers ordered by their first item in key order): A₁ B₁ A₂ B₂ …, an answer that
 * runs out simply drops out of the rotation. The k-shot list is the first k of that one sequence, so
 * equally many per answer (±1, the extra going to the earliest answers) and the k-shot prompt is a
 * prefix of the 2k-shot prompt (the prefix cache reuses it). Throws when the pool cannot give `shots`.
 */
export function selectBalancedPrefix(answers: readonly string[], shots: number, keys: ArrayLike<number>, opts: { exclude?: readonly number[] } = {}): number[] {
  if (!Number.isInteger(shots) || shots < 0) throw new AppError("bad_request", `shots must be a whole number ≥ 0, got ${shots}`);
  if (keys.length !== answers.length) throw new Error("one key per item expected");
  if (shots === 0) return [];
  const excluded = new Set(opts.exclude ?? []);
  const byLabel = new Map<string, number[]>();
  answers
    .map((_, i) => i)
    .filter((i) => !excluded.has(i))
    .sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b)
    .forEach((i) => byLabel.set(answers[i] as string, [...(byLabel.get(answers[i] as string) ?? []), i]));
  const queues = [...byLabel.values()];
  const out: number[] = [];
  for (let round = 0; out.length < shots; round++) {
    let any = false;
    for (const q of queues) {
      if (round < q.length) {
        any = true;
        out.push(q[round] as number);
        if (out.length === shots) break;
      }
    }
    if (!any) throw new AppError("bad_request", `${shots} demonstrations asked for, but only ${out.length} items are available besides the query`);
  }
  const counts = [...byLabel.keys()].map((label) => ({ label, n: out.filter((i) => answers[i] === label).length }));
  const most = Math.max(...counts.map((c) => c.n));
  const short = counts.find((c) => c.n < most - 1);
  if (short) {
    const have = byLabel.get(short.label)?.length ?? 0;
    throw new AppError("bad_request", `Balanced selection of ${shots} demonstrations needs about ${most - 1} of "${short.label}", but only ${have} are available`);
  }
  return out;
}
