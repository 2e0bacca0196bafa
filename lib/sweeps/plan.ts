/**
 * Cell planning (pure): which cells a sweep has, their demonstrations, and the order they run in.
 *
 * Demonstrations come from the pool split, queries from the eval split, never an item with the query's
 * own image. random: the pool in the seed's key order (lib/eval/select.ts), so the k-shot list is the
 * start of the 2k-shot list; balanced: the same keys dealt round-robin over answers (also
 * prefix-preserving); rices: the most similar pool images, the most similar last (lib/eval/rices.ts),
 * deterministic, so its cells exist for seed 0 only.
 *
 * Run order, for cache reuse: per (selection, seed), shot counts ascending and all queries of a shot
 * count together. Every query of a (seed, shots) then shares one demonstration prefix (prefilled once),
 * and the 2k-shot prefix extends the k-shot one already in the prefix cache. RICES prompts share no
 * prefix; they come last, grouped by shot count, and still reuse the visual cache.
 */
import { ricesSelect } from "@/lib/eval/rices";
import { demonstrationKeys, selectBalancedPrefix, selectDemonstrations } from "@/lib/eval/select";
import type { SweepConfig, SweepItemRef, SweepSelection } from "./types";

export interface PlannedCell {
  itemId: string;
  shots: number;
  seed: number;
  selection: SweepSelection;
  /** Query index into `queries`. */
  query: number;
  /** Pool indices, in prompt order. */
  demos: number[];
}

export interface PlanInput {
  config: Pick<SweepConfig, "shots" | "seeds" | "selections">;
  pool: readonly SweepItemRef[];
  queries: readonly SweepItemRef[];
  /** RICES only: one unit feature `[D]` per pool item and per query. */
  features?: { pool: readonly Float32Array[]; queries: readonly Float32Array[] };
}

/** The unique key of a cell (as SweepResult's unique index, within one sweep). */
export const cellKey = (c: { itemId: string; shots: number; seed: number; selection: string }): string => `${c.itemId}|${c.shots}|${c.seed}|${c.selection}`;

/** Seeds a selection runs with: RICES has no randomness, so seed 0 only. */
export const seedsOf = (selection: SweepSelection, seeds: number): number[] => (selection === "rices" ? [0] : Array.from({ length: seeds }, (_, s) => s));

export function countCells(config: Pick<SweepConfig, "shots" | "seeds" | "selections">, queries: number): number {
  return config.selections.reduce((n, sel) => n + seedsOf(sel, config.seeds).length * config.shots.length * queries, 0);
}

/** Every cell of the sweep in run order (see the file comment). */
export function planCells(input: PlanInput): PlannedCell[] {
  const { config, pool, queries } = input;
  const shots = [...config.shots].sort((a, b) => a - b);
  const answers = pool.map((p) => p.answer);
  const sameImage = queries.map((q) => pool.flatMap((p, i) => (p.assetId === q.assetId ? [i] : [])));
  const selections = [...config.selections].sort((a, b) => Number(a === "rices") - Number(b === "rices"));
  const cells: PlannedCell[] = [];
  for (const selection of selections) {
    for (const seed of seedsOf(selection, config.seeds)) {
      const keys = selection === "rices" ? undefined : demonstrationKeys(pool.length, seed);
      for (const k of shots) {
        queries.forEach((q, qi) => {
          const exclude = sameImage[qi] as number[];
          let demos: number[];
          if (selection === "random") demos = selectDemonstrations(answers, k, keys as Float64Array, { exclude });
          else if (selection === "balanced") demos = selectBalancedPrefix(answers, k, keys as Float64Array, { exclude });
          else {
            if (!input.features) throw new Error("RICES needs visual features");
            demos = ricesSelect(input.features.queries[qi] as Float32Array, input.features.pool, k, new Set(exclude));
          }
          cells.push({ itemId: q.id, shots: k, seed, selection, query: qi, demos });
        });
      }
    }
  }
  return cells;
}

/** Rank-mode candidates of an item: its own list, else every distinct answer of the dataset (file order). */
export function candidatesOf(item: { candidates: string[] | null }, allAnswers: readonly string[]): string[] {
  return item.candidates ?? [...new Set(allAnswers)];
}
