"use client";

import { useId, useMemo, useState, type KeyboardEvent, type ReactNode } from "react";
import { AssetImage } from "@/components/ui/AssetImage";
import { SELECTION_LABELS, percent } from "@/lib/sweeps/client/chart";
import { engineColor, unique } from "@/lib/sweeps/client/engines";
import {
  buildCompareRows,
  buildRows,
  cellState,
  COMPARE_FILTERS,
  compareSummaries,
  columnSummaries,
  filterCompareRows,
  filterRows,
  indexResults,
  ROW_FILTERS,
  sliceOptions,
  type Agreement,
  type CellState,
  type ColumnSummary,
  type CompareCell,
  type CompareFilter,
  type GridItem,
  type GridSlice,
  type RowFilter,
} from "@/lib/sweeps/client/grid";
import type { SweepCellResult, SweepConfig } from "@/lib/sweeps/types";
import type { CellRef } from "./api";
import type { CellOutcome } from "./PromptDialog";

const PAGE = 50;

interface Props {
  config: SweepConfig;
  items: GridItem[];
  results: SweepCellResult[];
  /** An engine id's display name ("" → the sweep's model). */
  engineLabel(engine: string): string;
  /** Open a cell's prompt with each shown engine's outcome. */
  onOpenCell(cell: CellRef, outcomes: CellOutcome[], item: GridItem): void;
}

type Slice = Omit<GridSlice, "engine">;
const sliceValue = (s: Slice) => `${s.selection}:${s.seed}`;

const MARK: Record<CellState, string> = { correct: "✓", wrong: "✗", failed: "⚠", pending: "·" };
const STATE_WORDS: Record<CellState, string> = { correct: "correct", wrong: "wrong", failed: "failed", pending: "not run yet" };

/**
 * Evaluation items × shot counts for one (engine, selection, seed): each cell the model's output,
 * green with ✓ when correct, red with ✗ when not, amber with ⚠ when its engine failed (the error on
 * hover or focus), grey while pending. With several engines, "Compare engines" shows every engine's
 * output per cell and marks where they disagree. A cell opens its exact prompt.
 */
export function ResultsGrid({ config, items, results, engineLabel, onOpenCell }: Props) {
  const engines = useMemo(() => unique(config.engines.length > 0 ? config.engines : [""]), [config.engines]);
  const several = engines.length > 1;
  const slices = useMemo(() => sliceOptions(config.selections, config.seeds), [config.selections, config.seeds]);
  const [sliceKey, setSliceKey] = useState(() => sliceValue(slices[0] ?? { selection: "random", seed: 0 }));
  const [engineChoice, setEngine] = useState(engines[0]!);
  const [compare, setCompare] = useState(false);
  const [filter, setFilter] = useState<RowFilter>("all");
  const [compareFilter, setCompareFilter] = useState<CompareFilter>("all");
  const [shown, setShown] = useState(PAGE);
  const selSlice = useMemo<Slice>(() => slices.find((s) => sliceValue(s) === sliceKey) ?? slices[0] ?? { selection: "random", seed: 0 }, [slices, sliceKey]);
  const engine = engines.includes(engineChoice) ? engineChoice : engines[0]!;
  const slice = useMemo<GridSlice>(() => ({ ...selSlice, engine }), [selSlice, engine]);
  const comparing = several && compare;
  const shots = config.shots;

  const index = useMemo(() => indexResults(results), [results]);
  const rows = useMemo(() => (comparing ? [] : buildRows(items, index, shots, slice)), [comparing, items, index, shots, slice]);
  const visible = useMemo(() => filterRows(rows, filter), [rows, filter]);
  const summaries = useMemo(() => columnSummaries(rows, shots), [rows, shots]);
  const compareRows = useMemo(() => (comparing ? buildCompareRows(items, index, shots, selSlice, engines) : []), [comparing, items, index, shots, selSlice, engines]);
  const compareVisible = useMemo(() => filterCompareRows(compareRows, compareFilter), [compareRows, compareFilter]);
  const compareHeads = useMemo(() => compareSummaries(compareRows, shots, engines.length), [compareRows, shots, engines.length]);
  const total = comparing ? compareRows.length : rows.length;
  const matching = comparing ? compareVisible.length : visible.length;

  const ref = (item: GridItem, s: number): CellRef => ({ itemId: item.id, shots: s, seed: slice.seed, selection: slice.selection });

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
    <div className="flex flex-col gap-3" data-testid="results-grid" data-view={comparing ? "compare" : "engine"}>
      <div className="flex flex-wrap items-end gap-3 text-xs">
        {several ? (
          <label className="flex flex-col">
            <span className="label">Engine</span>
            <select className="input py-1 text-xs" value={engine} onChange={(e) => setEngine(e.target.value)} disabled={comparing} data-testid="grid-engine-select">
              {engines.map((id) => (
                <option key={id} value={id}>
                  {engineLabel(id)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {slices.length > 1 ? (
          <label className="flex flex-col">
            <span className="label">Selection · seed</span>
            <select className="input py-1 text-xs" value={sliceValue(selSlice)} onChange={(e) => setSliceKey(e.target.value)} data-testid="grid-slice">
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
            {several ? "" : `${engineLabel(engine)} · `}
            {SELECTION_LABELS[selSlice.selection]} · seed {selSlice.seed}
          </p>
        )}
        {several ? (
          <button
            type="button"
            className={`btn py-1 text-xs ${comparing ? "border-brand-600 bg-brand-50 text-brand-700" : ""}`}
            aria-pressed={comparing}
            onClick={() => setCompare((c) => !c)}
            title="Every engine's output per item and shot count, side by side"
            data-testid="grid-compare-engines"
          >
            Compare engines
          </button>
        ) : null}
        <label className="flex flex-col">
          <span className="label">Show</span>
          {comparing ? (
            <select className="input py-1 text-xs" value={compareFilter} onChange={(e) => setCompareFilter(e.target.value as CompareFilter)} data-testid="grid-filter">
              {COMPARE_FILTERS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          ) : (
            <select className="input py-1 text-xs" value={filter} onChange={(e) => setFilter(e.target.value as RowFilter)} data-testid="grid-filter">
              {ROW_FILTERS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          )}
        </label>
        <p className="pb-1 text-stone-500" aria-live="polite" data-testid="grid-count">
          {matching} of {total} items
        </p>
      </div>

      {comparing ? (
        <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-stone-700" aria-label="Engines, in the order of each cell's lines" data-testid="grid-engine-key">
          {engines.map((id, i) => (
            <li key={id} className="flex items-center gap-1.5">
              <EngineDot index={i} />
              {engineLabel(id)}
            </li>
          ))}
          <li className="flex items-center gap-1.5 text-amber-900">
            <span aria-hidden className="inline-block size-3 rounded-sm border border-amber-400 bg-amber-50" /> one right, another wrong
          </li>
        </ul>
      ) : null}

      <div className="max-h-[70vh] overflow-auto rounded-md border border-stone-200">
        <table
          className="w-full border-separate border-spacing-0 text-xs"
          onKeyDown={onKeyDown}
          aria-label={comparing ? "Every engine's output per item and shot count" : "Outputs per item and shot count"}
          data-testid={comparing ? "grid-compare-table" : "grid-table"}
        >
          <thead className="sticky top-0 z-10 bg-stone-50">
            <tr>
              <th scope="col" className="sticky left-0 z-20 min-w-28 border-b sm:min-w-36 border-stone-200 bg-stone-50 px-2 py-2 text-left font-medium text-stone-600">
                Item · answer
              </th>
              {comparing
                ? compareHeads.map((h) => (
                    <ColumnHead key={h.shots} shots={h.shots}>
                      {h.engines.map((s, i) => (
                        <span key={engines[i]} className="flex items-center gap-1 font-normal tabular-nums text-stone-500" title={engineLabel(engines[i]!)}>
                          <EngineDot index={i} />
                          <Accuracy s={s} />
                        </span>
                      ))}
                      <span className="block font-normal tabular-nums text-amber-800" data-testid="grid-disagreements" data-count={h.disagreements}>
                        {h.disagreements > 0 ? `${h.disagreements} disagree` : "\u00a0"}
                      </span>
                    </ColumnHead>
                  ))
                : summaries.map((s) => (
                    <ColumnHead key={s.shots} shots={s.shots}>
                      <span className="block font-normal tabular-nums text-stone-500">
                        <Accuracy s={s} />
                      </span>
                    </ColumnHead>
                  ))}
            </tr>
          </thead>
          <tbody>
            {comparing
              ? compareVisible.slice(0, shown).map((row, r) => (
                  <tr key={row.item.id} data-testid="grid-row" data-item={row.item.id}>
                    <ItemHeader item={row.item} />
                    {row.cells.map((cell, c) => (
                      <td key={cell.shots} className="border-b border-stone-100 p-1 align-middle">
                        <CompareCellButton
                          cell={cell}
                          engines={engines}
                          engineLabel={engineLabel}
                          row={r}
                          col={c}
                          onOpen={() =>
                            onOpenCell(
                              ref(row.item, cell.shots),
                              engines.map((id, i) => ({ engine: id, label: engineLabel(id), result: cell.cells[i] })),
                              row.item,
                            )
                          }
                        />
                      </td>
                    ))}
                  </tr>
                ))
              : visible.slice(0, shown).map((row, r) => (
                  <tr key={row.item.id} data-testid="grid-row" data-item={row.item.id}>
                    <ItemHeader item={row.item} />
                    {row.cells.map((cell, c) => (
                      <td key={shots[c]} className="border-b border-stone-100 p-1 align-middle">
                        <Cell
                          cell={cell}
                          engine={engine}
                          row={r}
                          col={c}
                          shots={shots[c]!}
                          onOpen={() => onOpenCell(ref(row.item, shots[c]!), [{ engine, label: several ? engineLabel(engine) : null, result: cell }], row.item)}
                        />
                      </td>
                    ))}
                  </tr>
                ))}
          </tbody>
        </table>
        {matching === 0 ? <p className="px-3 py-6 text-center text-sm text-stone-500">{total === 0 ? "No evaluation items." : "No items match this filter yet."}</p> : null}
      </div>
      {matching > shown ? (
        <button type="button" className="btn self-start text-xs" onClick={() => setShown((n) => n + PAGE)} data-testid="grid-more">
          Show {Math.min(PAGE, matching - shown)} more of {matching - shown}
        </button>
      ) : null}
    </div>
  );
}

function ColumnHead({ shots, children }: { shots: number; children: ReactNode }) {
  return (
    <th scope="col" className="min-w-24 border-b border-stone-200 px-2 py-2 text-left align-top font-medium text-stone-600" data-testid="grid-column" data-shots={shots}>
      <span className="block text-stone-900">
        {shots} {shots === 1 ? "shot" : "shots"}
      </span>
      {children}
    </th>
  );
}

/** A column's accuracy over the cells that ran, and its failed cells. */
function Accuracy({ s }: { s: ColumnSummary }) {
  return (
    <>
      {s.done > 0 ? `${percent(s.correct / s.done, 0)} of ${s.done}` : "—"}
      {s.failed > 0 ? <span className="text-amber-800"> · {s.failed} failed</span> : null}
    </>
  );
}

function ItemHeader({ item }: { item: GridItem }) {
  return (
    <th scope="row" className="sticky left-0 z-[5] border-b border-stone-100 bg-white px-2 py-1.5 text-left font-normal">
      <div className="flex items-center gap-2">
        <AssetImage assetId={item.assetId} alt={`Item ${item.position + 1}`} className="size-10 shrink-0 rounded" />
        <div className="min-w-0">
          {item.question ? <p className="line-clamp-2 text-stone-600">{item.question}</p> : null}
          <p className="font-mono font-medium text-stone-900 wrap-anywhere" data-testid="grid-answer">
            {item.answer}
          </p>
        </div>
      </div>
    </th>
  );
}

function EngineDot({ index }: { index: number }) {
  return <span aria-hidden className="inline-block size-2 shrink-0 rounded-full" style={{ background: engineColor(index) }} />;
}

const CELL_STYLES: Record<CellState, string> = {
  correct: "border-emerald-200 bg-emerald-50 text-emerald-900 hover:border-emerald-400",
  wrong: "border-red-200 bg-red-50 text-red-900 hover:border-red-400",
  failed: "border-amber-300 bg-amber-50 text-amber-900 hover:border-amber-500 bg-[repeating-linear-gradient(135deg,transparent_0_6px,rgb(251_191_36/0.18)_6px_9px)]",
  pending: "border-dashed border-stone-200 bg-white text-stone-400 hover:border-stone-400",
};

/** The error(s) of failed cells, shown under the cell on hover and on keyboard focus (and read as its description). */
function ErrorTip({ id, lines }: { id: string; lines: string[] }) {
  return (
    <span
      id={id}
      role="tooltip"
      className="pointer-events-none absolute top-full left-0 z-30 mt-1 hidden w-72 max-w-[80vw] rounded-md border border-amber-300 bg-white px-2 py-1 font-sans text-[11px] whitespace-pre-line text-amber-900 shadow-md wrap-anywhere group-hover:block group-focus-within:block"
      data-testid="grid-cell-error"
    >
      {lines.join("\n")}
    </span>
  );
}

function Cell({ cell, engine, row, col, shots, onOpen }: { cell: SweepCellResult | undefined; engine: string; row: number; col: number; shots: number; onOpen(): void }) {
  const tipId = useId();
  const state = cellState(cell);
  const label =
    state === "pending" ? `${shots} shots: not run yet. Show the prompt.` : state === "failed" ? `${shots} shots: failed. Show the prompt.` : `${shots} shots: “${cell!.output}”, ${STATE_WORDS[state]}. Show the prompt.`;
  return (
    <div className="group relative">
      <button
        type="button"
        className={`flex w-full items-center gap-1 rounded border px-1.5 py-1 text-left font-mono ${CELL_STYLES[state]}`}
        onClick={onOpen}
        aria-label={label}
        aria-describedby={state === "failed" ? tipId : undefined}
        title={state === "failed" ? undefined : cell ? `${cell.output} (${Math.round(cell.ms)} ms)` : "not run yet"}
        data-row={row}
        data-col={col}
        data-testid="grid-cell"
        data-shots={shots}
        data-engine={engine}
        data-state={state}
      >
        <span aria-hidden className="shrink-0 font-sans">
          {MARK[state]}
        </span>
        <span className="min-w-0 truncate">{state === "failed" ? "failed" : cell ? cell.output || "(empty)" : "pending"}</span>
      </button>
      {state === "failed" ? <ErrorTip id={tipId} lines={[cell!.error ?? ""]} /> : null}
    </div>
  );
}

const AGREEMENT_STYLES: Record<Agreement, string> = {
  disagree: "border-amber-400 bg-amber-50 ring-1 ring-amber-400 hover:border-amber-600",
  differ: "border-stone-300 bg-stone-50 hover:border-stone-500",
  agree: "border-stone-200 bg-white hover:border-stone-400",
  pending: "border-dashed border-stone-200 bg-white hover:border-stone-400",
};

const AGREEMENT_WORDS: Record<Agreement, string> = {
  disagree: "the engines disagree: one is right, another wrong",
  differ: "the engines' outputs differ",
  agree: "the engines agree",
  pending: "",
};

const STATE_TEXT: Record<CellState, string> = {
  correct: "text-emerald-800",
  wrong: "text-red-800",
  failed: "text-amber-800",
  pending: "text-stone-400",
};

function CompareCellButton({ cell, engines, engineLabel, row, col, onOpen }: { cell: CompareCell; engines: string[]; engineLabel(id: string): string; row: number; col: number; onOpen(): void }) {
  const tipId = useId();
  const states = cell.cells.map(cellState);
  const failures = engines.flatMap((id, i) => (states[i] === "failed" ? [`${engineLabel(id)}: ${cell.cells[i]!.error ?? ""}`] : []));
  const parts = engines.map((id, i) => {
    const c = cell.cells[i];
    const s = states[i]!;
    return `${engineLabel(id)} ${s === "correct" || s === "wrong" ? `“${c!.output}”, ${STATE_WORDS[s]}` : STATE_WORDS[s]}`;
  });
  const label = `${cell.shots} shots: ${parts.join("; ")}${AGREEMENT_WORDS[cell.agreement] ? `; ${AGREEMENT_WORDS[cell.agreement]}` : ""}. Show the prompt.`;
  return (
    <div className="group relative">
      <button
        type="button"
        className={`relative flex w-full flex-col gap-0.5 rounded border px-1.5 py-1 text-left font-mono ${AGREEMENT_STYLES[cell.agreement]}`}
        onClick={onOpen}
        aria-label={label}
        aria-describedby={failures.length > 0 ? tipId : undefined}
        data-row={row}
        data-col={col}
        data-testid="grid-compare-cell"
        data-shots={cell.shots}
        data-agreement={cell.agreement}
      >
        {cell.agreement === "disagree" ? (
          <span aria-hidden className="absolute -top-1.5 -right-1.5 rounded-full bg-amber-500 px-1 font-sans text-[10px] leading-4 font-bold text-white">
            ≠
          </span>
        ) : null}
        {engines.map((id, i) => {
          const c = cell.cells[i];
          const s = states[i]!;
          return (
            <span key={id} className="flex min-w-0 items-center gap-1" data-testid="grid-engine-output" data-engine={id} data-state={s} title={s === "failed" ? undefined : `${engineLabel(id)}: ${c ? c.output : "not run yet"}`}>
              <EngineDot index={i} />
              <span aria-hidden className={`shrink-0 font-sans ${STATE_TEXT[s]}`}>
                {MARK[s]}
              </span>
              <span className={`min-w-0 truncate ${s === "pending" ? "text-stone-400" : s === "failed" ? "text-amber-900" : "text-stone-900"}`}>
                {s === "failed" ? "failed" : c ? c.output || "(empty)" : "pending"}
              </span>
            </span>
          );
        })}
      </button>
      {failures.length > 0 ? <ErrorTip id={tipId} lines={failures} /> : null}
    </div>
  );
}
