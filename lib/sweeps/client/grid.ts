/**
 * The side-by-side grid's model: rows are evaluation items, columns shot counts, one
 * (selection, seed) slice at a time; filters that find the items where shots changed the answer.
 */
import type { SweepCellResult, SweepSelection } from "../types";

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
  selection: SweepSelection;
  seed: number;
}

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

export const cellKey = (itemId: string, shots: number, seed: number, selection: SweepSelection): string => `${itemId}|${shots}|${seed}|${selection}`;

export function indexResults(results: SweepCellResult[]): Map<string, SweepCellResult> {
  return new Map(results.map((r) => [cellKey(r.itemId, r.shots, r.seed, r.selection), r]));
}

export function buildRows(items: GridItem[], index: Map<string, SweepCellResult>, shots: number[], slice: GridSlice): GridRow[] {
  return items.map((item) => ({ item, cells: shots.map((s) => index.get(cellKey(item.id, s, slice.seed, slice.selection))) }));
}

export function filterRows(rows: GridRow[], filter: RowFilter): GridRow[] {
  if (filter === "all") return rows;
  return rows.filter((row) => {
    const done = row.cells.filter((c): c is SweepCellResult => c !== undefined);
    if (done.length === 0) return false;
    if (filter === "changed") return done.some((c) => c.correct) && done.some((c) => !c.correct);
    const last = done[done.length - 1]!;
    return filter === "wrong" ? !last.correct : last.correct;
  });
}

export interface ColumnSummary {
  shots: number;
  done: number;
  correct: number;
}

/** Per column: finished cells and how many are correct (the header's accuracy). */
export function columnSummaries(rows: GridRow[], shots: number[]): ColumnSummary[] {
  return shots.map((s, i) => {
    let done = 0;
    let correct = 0;
    for (const r of rows) {
      const c = r.cells[i];
      if (!c) continue;
      done++;
      if (c.correct) correct++;
    }
    return { shots: s, done, correct };
  });
}

/** The (selection, seed) slices a configuration has, as selector options. RICES is deterministic: seed 0 only. */
export function sliceOptions(selections: SweepSelection[], seeds: number): GridSlice[] {
  return selections.flatMap((selection) => Array.from({ length: selection === "rices" ? 1 : Math.max(1, seeds) }, (_, seed) => ({ selection, seed })));
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
