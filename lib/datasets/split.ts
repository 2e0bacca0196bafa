/**
 * Pool / eval split. An explicit `split` on every row wins; otherwise a seeded,
 * stratified draw: each answer contributes to the evaluation set in proportion
 * to its share of the items, so a 2-way dataset gets a balanced eval set.
 */
import { AppError } from "@/lib/errors";
import { seededRandom, shuffle } from "@/lib/eval/select";
import type { ManifestItem, Split } from "./types";

export interface SplitOptions {
  /** Share of the items that become evaluation queries (0 < f < 1). Default 0.4. */
  evalFraction?: number;
  /** Exact number of evaluation queries; wins over evalFraction. */
  evalCount?: number;
  /** Seed of the draw (default 0): the same file and seed give the same split. */
  seed?: number;
}

export const DEFAULT_EVAL_FRACTION = 0.4;

/** One split per item, in item order. */
export function assignSplits(items: readonly Pick<ManifestItem, "answer" | "split" | "where">[], options: SplitOptions = {}): Split[] {
  const n = items.length;
  const explicit = items.filter((it) => it.split !== undefined).length;
  let splits: Split[];
  if (explicit > 0) {
    const missing = items.find((it) => it.split === undefined);
    if (missing) throw new AppError("bad_request", `${missing.where}: split is missing; when one row names its split, every row must (or leave the column out and choose an eval share)`);
    splits = items.map((it) => it.split!);
  } else {
    splits = drawSplits(items, options);
  }
  const evalN = splits.filter((s) => s === "eval").length;
  if (evalN === 0) throw new AppError("bad_request", "The evaluation set is empty: mark at least one row split=eval");
  if (evalN === n) throw new AppError("bad_request", "The demonstration pool is empty: mark at least one row split=pool");
  return splits;
}

function drawSplits(items: readonly Pick<ManifestItem, "answer">[], options: SplitOptions): Split[] {
  const n = items.length;
  if (n < 2) throw new AppError("bad_request", "A dataset needs at least 2 items: one demonstration and one evaluation query");
  const fraction = options.evalFraction ?? DEFAULT_EVAL_FRACTION;
  if (options.evalCount === undefined && !(fraction > 0 && fraction < 1)) throw new AppError("bad_request", `The eval share must be between 0 and 1 (exclusive), got ${fraction}`);
  const wanted = options.evalCount ?? Math.round(n * fraction);
  if (!Number.isInteger(wanted) || wanted < 1 || wanted > n - 1) {
    throw new AppError("bad_request", `The evaluation set must hold between 1 and ${n - 1} of the ${n} items, got ${wanted}`);
  }

  // Groups by answer, in first-seen order; quotas by largest remainder.
  const groups = new Map<string, number[]>();
  items.forEach((it, i) => {
    const g = groups.get(it.answer);
    if (g) g.push(i);
    else groups.set(it.answer, [i]);
  });
  const list = [...groups.values()];
  const exact = list.map((g) => (g.length * wanted) / n);
  const quota = exact.map(Math.floor);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0, left = wanted - quota.reduce((s, q) => s + q, 0); k < left; k++) quota[order[k % order.length]!.i]!++;

  const rng = seededRandom(Math.imul((options.seed ?? 0) + 1, 0x85ebca6b) >>> 0);
  const splits: Split[] = Array.from({ length: n }, () => "pool");
  list.forEach((g, gi) => {
    for (const i of shuffle(g, rng).slice(0, quota[gi])) splits[i] = "eval";
  });
  return splits;
}
