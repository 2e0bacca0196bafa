/**
 * The side-by-side grid's model: rows are evaluation items, columns shot counts, one
 * (engine, selection, seed) slice at a time; filters that find the items where shots changed the
 * answer; and the "compare engines" view, every engine's output per cell with their disagreements.
 */
import type { SweepCellResult, SweepConfig, SweepSelection } from "../types";

/** What the grid needs of a dataset item. */
export interface GridItem {
  id: string;
  position: number;
  split: "pool" | "eval";
  assetId: string;
  question: string | null;
  answer: string;
}

export interface GridSlice {
  /** A config.engines id (as the results carry it: "" in sweeps made before engines). */
  engine: string;
  selection: SweepSelection;
  seed: number;
}

/** A cell as shown: not run yet, failed (its engine kept failing: not counted), or judged. */
export type CellState = "pending" | "failed" | "correct" | "wrong";

export function cellState(c: SweepCellResult | undefined): CellState {
  if (!c) return "pending";
  if (c.error !== null) return "failed";
  return c.correct ? "correct" : "wrong";
}

/** A cell that ran (not pending, not failed): the only ones accuracy counts. */
const ran = (c: SweepCellResult | undefined): c is SweepCellResult => c !== undefined && c.error === null;

export interface GridRow {
  item: GridItem;
  /** The cell at each column's shot count (undefined while it has not run). */
  cells: (SweepCellResult | undefined)[];
}

export type RowFilter = "all" | "changed" | "wrong" | "right";

export const ROW_FILTERS: { value: RowFilter; label: string }[] = [
  { value: "all", label: "All items" },
  { value: "changed", label: "Changed with shots" },
  { value: "wrong", label: "Wrong at most shots" },
  { value: "right", label: "Right at most shots" },
];

/**
 * The sweep's evaluation items in dataset order: the first `queries` of the eval split, plus any
 * item a result names (so a result is never hidden if the runner chose differently).
 */
export function evaluationItems(items: GridItem[], queries: number, results: SweepCellResult[]): GridItem[] {
  const ordered = [...items].sort((a, b) => a.position - b.position);
  const chosen = new Set(ordered.filter((i) => i.split === "eval").slice(0, Math.max(0, queries)).map((i) => i.id));
  for (const r of results) chosen.add(r.itemId);
  return ordered.filter((i) => chosen.has(i.id));
}

/** The stored cell's key (lib/store/sweeps resultKey's order): engine|item|shots|seed|selection. */
export const cellKey = (engine: string, itemId: string, shots: number, seed: number, selection: SweepSelection): string => `${engine}|${itemId}|${shots}|${seed}|${selection}`;

export function indexResults(results: SweepCellResult[]): Map<string, SweepCellResult> {
  return new Map(results.map((r) => [cellKey(r.engine, r.itemId, r.shots, r.seed, r.selection), r]));
}

export function buildRows(items: GridItem[], index: Map<string, SweepCellResult>, shots: number[], slice: GridSlice): GridRow[] {
  return items.map((item) => ({ item, cells: shots.map((s) => index.get(cellKey(slice.engine, item.id, s, slice.seed, slice.selection))) }));
}

/** Failed cells count as not run: "changed", "wrong" and "right" look at the cells that ran. */
export function filterRows(rows: GridRow[], filter: RowFilter): GridRow[] {
  if (filter === "all") return rows;
  return rows.filter((row) => {
    const done = row.cells.filter(ran);
    if (done.length === 0) return false;
    if (filter === "changed") return done.some((c) => c.correct) && done.some((c) => !c.correct);
    const last = done[done.length - 1]!;
    return filter === "wrong" ? !last.correct : last.correct;
  });
}

export interface ColumnSummary {
  shots: number;
  /** Cells that ran (failed ones are not counted: they say nothing about the model). */
  done: number;
  correct: number;
  failed: number;
}

const summarize = (shots: number, cells: (SweepCellResult | undefined)[]): ColumnSummary => {
  let done = 0;
  let correct = 0;
  let failed = 0;
  for (const c of cells) {
    if (!c) continue;
    if (c.error !== null) {
      failed++;
      continue;
    }
    done++;
    if (c.correct) correct++;
  }
  return { shots, done, correct, failed };
};

/** Per column: cells that ran, how many are correct (the header's accuracy), and the failed ones. */
export function columnSummaries(rows: GridRow[], shots: number[]): ColumnSummary[] {
  return shots.map((s, i) => summarize(s, rows.map((r) => r.cells[i])));
}

/** The (selection, seed) slices a configuration has, as selector options. RICES is deterministic: seed 0 only. */
export function sliceOptions(selections: SweepSelection[], seeds: number): Omit<GridSlice, "engine">[] {
  return selections.flatMap((selection) => Array.from({ length: selection === "rices" ? 1 : Math.max(1, seeds) }, (_, seed) => ({ selection, seed })));
}

/* ------------------------------------------------------------------------------------------------
 * Compare engines: per item and shot count, every engine's cell side by side.
 * ---------------------------------------------------------------------------------------------- */

/**
 * How the engines' cells of one item × shot count relate, over those that ran:
 * - `pending`: fewer than two have run;
 * - `disagree`: one is right and another wrong;
 * - `differ`: all equally right (or wrong) but with different outputs;
 * - `agree`: the same output.
 */
export type Agreement = "pending" | "agree" | "differ" | "disagree";

export interface CompareCell {
  shots: number;
  /** One per compared engine, in their order (undefined while it has not run). */
  cells: (SweepCellResult | undefined)[];
  agreement: Agreement;
  /** Per source, whether its sweep does not plan this cell (absent: every source plans it). */
  absent?: boolean[];
}

export interface CompareRow {
  item: GridItem;
  cells: CompareCell[];
}

const normalized = (s: string) => s.trim().replace(/\s+/g, " ").toLowerCase();

export function agreementOf(cells: (SweepCellResult | undefined)[]): Agreement {
  const done = cells.filter(ran);
  if (done.length < 2) return "pending";
  if (new Set(done.map((c) => c.correct)).size > 1) return "disagree";
  return new Set(done.map((c) => normalized(c.output))).size > 1 ? "differ" : "agree";
}

export function buildCompareRows(items: GridItem[], index: Map<string, SweepCellResult>, shots: number[], slice: Omit<GridSlice, "engine">, engines: readonly string[]): CompareRow[] {
  return buildSourceRows(
    items,
    shots,
    slice,
    engines.map((engine) => ({ index, engine })),
  );
}

/**
 * One line of a compared cell: an engine of one sweep's results. `has` says whether that sweep's plan
 * holds the cell at all (absent: another sweep's shot count, selection, seed or item); without it,
 * every cell is planned.
 */
export interface CompareSource {
  index: Map<string, SweepCellResult>;
  engine: string;
  has?(itemId: string, shots: number, slice: Omit<GridSlice, "engine">): boolean;
}

/**
 * Compare rows over any sources: the engines of one sweep ("Compare engines"), or the engines of two
 * sweeps ("Both sweeps"). A cell outside a source's plan is `undefined` and marked in `absent`.
 */
export function buildSourceRows(items: GridItem[], shots: number[], slice: Omit<GridSlice, "engine">, sources: readonly CompareSource[]): CompareRow[] {
  return items.map((item) => ({
    item,
    cells: shots.map((s) => {
      const planned = sources.map((src) => src.has?.(item.id, s, slice) ?? true);
      const cells = sources.map((src, i) => (planned[i] ? src.index.get(cellKey(src.engine, item.id, s, slice.seed, slice.selection)) : undefined));
      return { shots: s, cells, agreement: agreementOf(cells), ...(planned.some((p) => !p) ? { absent: planned.map((p) => !p) } : {}) };
    }),
  }));
}

/** What a sweep's plan holds: its shot counts, selections and seeds (RICES: seed 0), and its evaluated items. */
export function planHas(config: Pick<SweepConfig, "shots" | "selections" | "seeds">, items: Iterable<string>): (itemId: string, shots: number, slice: Omit<GridSlice, "engine">) => boolean {
  const evaluated = new Set(items);
  return (itemId, shots, slice) =>
    evaluated.has(itemId) &&
    config.shots.includes(shots) &&
    config.selections.includes(slice.selection) &&
    slice.seed < (slice.selection === "rices" ? 1 : Math.max(1, config.seeds));
}

/** Shot counts of several sweeps, ascending, each once. */
export const unionShots = (...lists: readonly (readonly number[])[]): number[] => [...new Set(lists.flat())].sort((a, b) => a - b);

/** The (selection, seed) slices of several sweeps, each once, in the first sweep's order. */
export function unionSlices(...configs: readonly Pick<SweepConfig, "selections" | "seeds">[]): Omit<GridSlice, "engine">[] {
  const seen = new Set<string>();
  return configs
    .flatMap((c) => sliceOptions(c.selections, c.seeds))
    .filter((s) => {
      const k = `${s.selection}:${s.seed}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

export type CompareFilter = "all" | "disagree" | "differ";

export const COMPARE_FILTERS: { value: CompareFilter; label: string }[] = [
  { value: "all", label: "All items" },
  { value: "disagree", label: "One engine right, another wrong" },
  { value: "differ", label: "Different outputs" },
];

/** `disagree`: some shot count has one engine right and another wrong; `differ`: that, or different outputs. */
export function filterCompareRows(rows: CompareRow[], filter: CompareFilter): CompareRow[] {
  if (filter === "all") return rows;
  const wanted = new Set<Agreement>(filter === "disagree" ? ["disagree"] : ["disagree", "differ"]);
  return rows.filter((row) => row.cells.some((c) => wanted.has(c.agreement)));
}

export interface CompareColumnSummary {
  shots: number;
  /** Per compared engine, in order. */
  engines: ColumnSummary[];
  /** Items where one engine is right and another wrong. */
  disagreements: number;
}

export function compareSummaries(rows: CompareRow[], shots: number[], engineCount: number): CompareColumnSummary[] {
  return shots.map((s, i) => ({
    shots: s,
    engines: Array.from({ length: engineCount }, (_, e) => summarize(s, rows.map((r) => r.cells[i]?.cells[e]))),
    disagreements: rows.filter((r) => r.cells[i]?.agreement === "disagree").length,
  }));
}

/* ------------------------------------------------------------------------------------------------
 * Per-engine progress, from the results.
 * ---------------------------------------------------------------------------------------------- */

export interface EngineProgress {
  engine: string;
  /** Stored cells (failed ones included, as the sweep's doneCells counts them). */
  done: number;
  failed: number;
  /** Cells that ran and were correct. */
  correct: number;
}

/** Done, failed and correct cells per configured engine (in config order; an unconfigured engine of the results follows). */
export function engineProgress(results: readonly SweepCellResult[], engines: readonly string[]): EngineProgress[] {
  const by = new Map<string, EngineProgress>(engines.map((engine) => [engine, { engine, done: 0, failed: 0, correct: 0 }]));
  for (const r of results) {
    let p = by.get(r.engine);
    if (!p) by.set(r.engine, (p = { engine: r.engine, done: 0, failed: 0, correct: 0 }));
    p.done++;
    if (r.error !== null) p.failed++;
    else if (r.correct) p.correct++;
  }
  return [...by.values()];
}

/**
 * Chance accuracy of rank mode over these items: the mean of 1 / (number of candidates), an item's
 * own candidates or else every distinct answer of the dataset. undefined with fewer than 2 choices.
 */
export function meanChance(evaluated: { candidates: string[] | null }[], allAnswers: string[]): number | undefined {
  const distinct = new Set(allAnswers).size;
  const ks = evaluated.map((i) => (i.candidates && i.candidates.length > 0 ? i.candidates.length : distinct));
  if (ks.length === 0 || ks.some((k) => k < 2)) return undefined;
  return ks.reduce((s, k) => s + 1 / k, 0) / ks.length;
}
