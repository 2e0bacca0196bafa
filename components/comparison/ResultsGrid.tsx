"use client";

import { useMemo, useState, type KeyboardEvent } from "react";
import { AssetImage } from "@/components/ui/AssetImage";
import { SELECTION_LABELS, percent } from "@/lib/sweeps/client/chart";
import { buildRows, columnSummaries, filterRows, indexResults, ROW_FILTERS, sliceOptions, type GridItem, type GridSlice, type RowFilter } from "@/lib/sweeps/client/grid";
import type { SweepCellResult, SweepConfig } from "@/lib/sweeps/types";
import type { CellRef } from "./api";

const PAGE = 50;

interface Props {
  config: SweepConfig;
  items: GridItem[];
  results: SweepCellResult[];
  onOpenCell(cell: CellRef, result: SweepCellResult | undefined, item: GridItem): void;
}

const sliceValue = (s: GridSlice) => `${s.selection}:${s.seed}`;

/**
 * Evaluation items × shot counts for one (selection, seed): each cell the model's output, green
 * with ✓ when correct, red with ✗ when not, grey while pending. A cell opens its exact prompt.
 */
export function ResultsGrid({ config, items, results, onOpenCell }: Props) {
  const slices = useMemo(() => sliceOptions(config.selections, config.seeds), [config.selections, config.seeds]);
  const [sliceKey, setSliceKey] = useState(() => sliceValue(slices[0] ?? { selection: "random", seed: 0 }));
  const [filter, setFilter] = useState<RowFilter>("all");
  const [shown, setShown] = useState(PAGE);
  const slice = useMemo<GridSlice>(() => slices.find((s) => sliceValue(s) === sliceKey) ?? slices[0] ?? { selection: "random", seed: 0 }, [slices, sliceKey]);
  const shots = config.shots;

  const index = useMemo(() => indexResults(results), [results]);
  const rows = useMemo(() => buildRows(items, index, shots, slice), [items, index, shots, slice]);
  const visible = useMemo(() => filterRows(rows, filter), [rows, filter]);
  const summaries = useMemo(() => columnSummaries(rows, shots), [rows, shots]);

  // Arrow keys move between cells (rows and columns), like a spreadsheet.
  const onKeyDown = (e: KeyboardEvent<HTMLTableElement>) => {
    const target = e.target as HTMLElement;
    const r = Number(target.dataset.row);
    const c = Number(target.dataset.col);
    if (!Number.isInteger(r) || !Number.isInteger(c)) return;
    const delta = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
    if (!delta) return;
    const next = e.currentTarget.querySelector<HTMLElement>(`[data-row="${r + delta[0]!}"][data-col="${c + delta[1]!}"]`);
    if (next) {
      e.preventDefault();
      next.focus();
    }
  };

  return (
    <div className="flex flex-col gap-3" data-testid="results-grid">
      <div className="flex flex-wrap items-end gap-3 text-xs">
        {slices.length > 1 ? (
          <label className="flex flex-col">
            <span className="label">Selection · seed</span>
            <select className="input py-1 text-xs" value={sliceValue(slice)} onChange={(e) => setSliceKey(e.target.value)} data-testid="grid-slice">
              {slices.map((s) => (
                <option key={sliceValue(s)} value={sliceValue(s)}>
                  {SELECTION_LABELS[s.selection]}
                  {s.selection === "rices" ? "" : ` · seed ${s.seed}`}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <p className="pb-1 text-stone-600">
            {SELECTION_LABELS[slice.selection]} · seed {slice.seed}
          </p>
        )}
        <label className="flex flex-col">
          <span className="label">Show</span>
          <select className="input py-1 text-xs" value={filter} onChange={(e) => setFilter(e.target.value as RowFilter)} data-testid="grid-filter">
            {ROW_FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <p className="pb-1 text-stone-500" aria-live="polite" data-testid="grid-count">
          {visible.length} of {rows.length} items
        </p>
      </div>

      <div className="max-h-[70vh] overflow-auto rounded-md border border-stone-200">
        <table className="w-full border-separate border-spacing-0 text-xs" onKeyDown={onKeyDown} aria-label="Outputs per item and shot count">
          <thead className="sticky top-0 z-10 bg-stone-50">
            <tr>
              <th scope="col" className="sticky left-0 z-20 min-w-28 border-b sm:min-w-36 border-stone-200 bg-stone-50 px-2 py-2 text-left font-medium text-stone-600">
                Item · answer
              </th>
              {summaries.map((s) => (
                <th key={s.shots} scope="col" className="min-w-24 border-b border-stone-200 px-2 py-2 text-left font-medium text-stone-600" data-testid="grid-column" data-shots={s.shots}>
                  <span className="block text-stone-900">
                    {s.shots} {s.shots === 1 ? "shot" : "shots"}
                  </span>
                  <span className="block font-normal tabular-nums text-stone-500">{s.done > 0 ? `${percent(s.correct / s.done, 0)} of ${s.done}` : "—"}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {visible.slice(0, shown).map((row, r) => (
              <tr key={row.item.id} data-testid="grid-row" data-item={row.item.id}>
                <th scope="row" className="sticky left-0 z-[5] border-b border-stone-100 bg-white px-2 py-1.5 text-left font-normal">
                  <div className="flex items-center gap-2">
                    <AssetImage assetId={row.item.assetId} alt={`Item ${row.item.position + 1}`} className="size-10 shrink-0 rounded" />
                    <div className="min-w-0">
                      {row.item.question ? <p className="line-clamp-2 text-stone-600">{row.item.question}</p> : null}
                      <p className="font-mono font-medium text-stone-900 wrap-anywhere" data-testid="grid-answer">
                        {row.item.answer}
                      </p>
                    </div>
                  </div>
                </th>
                {row.cells.map((cell, c) => (
                  <td key={shots[c]} className="border-b border-stone-100 p-1 align-middle">
                    <Cell
                      cell={cell}
                      row={r}
                      col={c}
                      shots={shots[c]!}
                      onOpen={() => onOpenCell({ itemId: row.item.id, shots: shots[c]!, seed: slice.seed, selection: slice.selection }, cell, row.item)}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {visible.length === 0 ? <p className="px-3 py-6 text-center text-sm text-stone-500">{rows.length === 0 ? "No evaluation items." : "No items match this filter yet."}</p> : null}
      </div>
      {visible.length > shown ? (
        <button type="button" className="btn self-start text-xs" onClick={() => setShown((n) => n + PAGE)} data-testid="grid-more">
          Show {Math.min(PAGE, visible.length - shown)} more of {visible.length - shown}
        </button>
      ) : null}
    </div>
  );
}

function Cell({ cell, row, col, shots, onOpen }: { cell: SweepCellResult | undefined; row: number; col: number; shots: number; onOpen(): void }) {
  const state = cell ? (cell.correct ? "correct" : "wrong") : "pending";
  const cls = {
    correct: "border-emerald-200 bg-emerald-50 text-emerald-900 hover:border-emerald-400",
    wrong: "border-red-200 bg-red-50 text-red-900 hover:border-red-400",
    pending: "border-dashed border-stone-200 bg-white text-stone-400 hover:border-stone-400",
  }[state];
  const label = cell ? `${shots} shots: “${cell.output}”, ${cell.correct ? "correct" : "wrong"}. Show the prompt.` : `${shots} shots: not run yet. Show the prompt.`;
  return (
    <button
      type="button"
      className={`flex w-full items-center gap-1 rounded border px-1.5 py-1 text-left font-mono ${cls}`}
      onClick={onOpen}
      aria-label={label}
      title={cell ? `${cell.output} (${Math.round(cell.ms)} ms)` : "not run yet"}
      data-row={row}
      data-col={col}
      data-testid="grid-cell"
      data-shots={shots}
      data-state={state}
    >
      <span aria-hidden className="shrink-0 font-sans">
        {state === "correct" ? "✓" : state === "wrong" ? "✗" : "·"}
      </span>
      <span className="min-w-0 truncate">{cell ? cell.output || "(empty)" : "pending"}</span>
    </button>
  );
}
