"use client";

import { useId, useMemo, useState, type KeyboardEvent, type ReactNode } from "react";
import { AssetImage } from "@/components/ui/AssetImage";
import { SELECTION_LABELS, percent } from "@/lib/sweeps/client/chart";
import { engineColor, unique } from "@/lib/sweeps/client/engines";
import {
  buildRows,
  buildSourceRows,
  cellState,
  COMPARE_FILTERS,
  compareSummaries,
  columnSummaries,
  filterCompareRows,
  filterRows,
  indexResults,
  planHas,
  ROW_FILTERS,
  sliceOptions,
  unionShots,
  unionSlices,
  type CompareSource,
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
  /** Open a cell's prompt with each shown engine's outcome (from another sweep: its id, and a note). */
  onOpenCell(cell: CellRef, outcomes: CellOutcome[], item: GridItem, from?: { sweepId?: string; note: string }): void;
  /** The sweep overlaid on the chart: "Both sweeps" shows its results beside this one's. */
  overlay?: OverlaidSweep;
}

/** The overlaid sweep as the grid compares it (same dataset). */
export interface OverlaidSweep {
  id: string;
  /** The chart's labels of the overlay and of this sweep (what tells them apart). */
  label: string;
  thisLabel: string;
  config: SweepConfig;
  results: SweepCellResult[];
  /** Its evaluated items. */
  items: GridItem[];
  /** The chart's colour of a (sweep, engine): 0 this sweep, 1 the overlay. */
  colorOf(source: number, engine: string): string | undefined;
}

/** "engine": one engine of this sweep; "engines": its engines side by side; "sweeps": this sweep and the overlay side by side. */
type View = "engine" | "engines" | "sweeps";

/** A line of a compared cell: an engine of a sweep. */
interface Line {
  key: string;
  label: string;
  color: string;
  engine: string;
  /** 0 this sweep, 1 the overlay. */
  source: number;
}

type Slice = Omit<GridSlice, "engine">;
const sliceValue = (s: Slice) => `${s.selection}:${s.seed}`;

const MARK: Record<CellState | "absent", string> = { correct: "✓", wrong: "✗", failed: "⚠", pending: "·", absent: "–" };
const STATE_WORDS: Record<CellState | "absent", string> = { correct: "correct", wrong: "wrong", failed: "failed", pending: "not run yet", absent: "not in this sweep" };

/**
 * Evaluation items × shot counts for one (engine, selection, seed): each cell the model's output,
 * green with ✓ when correct, red with ✗ when not, amber with ⚠ when its engine failed (the error on
 * hover or focus), grey while pending. With several engines, "Compare engines" shows every engine's
 * output per cell and marks where they disagree; with a sweep overlaid on the chart, "Both sweeps"
 * (the default then) does the same across the two sweeps, over both sweeps' shot counts and items,
 * in the chart's colours, "–" where a sweep has no such cell. A cell opens its exact prompt.
 */
export function ResultsGrid({ config, items, results, engineLabel, onOpenCell, overlay }: Props) {
  const engines = useMemo(() => unique(config.engines.length > 0 ? config.engines : [""]), [config.engines]);
  const overlayEngines = useMemo(() => (overlay ? unique(overlay.config.engines.length > 0 ? overlay.config.engines : [""]) : []), [overlay]);
  const several = engines.length > 1;
  const [viewChoice, setView] = useState<View>(overlay ? "sweeps" : "engine");
  const view: View = viewChoice === "sweeps" && !overlay ? "engine" : viewChoice === "engines" && !several ? "engine" : viewChoice;
  const bySweep = view === "sweeps";
  const comparing = view !== "engine";
  const slices = useMemo(() => (bySweep && overlay ? unionSlices(config, overlay.config) : sliceOptions(config.selections, config.seeds)), [bySweep, overlay, config]);
  const [sliceKey, setSliceKey] = useState(() => sliceValue(slices[0] ?? { selection: "random", seed: 0 }));
  const [engineChoice, setEngine] = useState(engines[0]!);
  const [filter, setFilter] = useState<RowFilter>("all");
  const [compareFilter, setCompareFilter] = useState<CompareFilter>("all");
  const [shown, setShown] = useState(PAGE);
  const selSlice = useMemo<Slice>(() => slices.find((s) => sliceValue(s) === sliceKey) ?? slices[0] ?? { selection: "random", seed: 0 }, [slices, sliceKey]);
  const engine = engines.includes(engineChoice) ? engineChoice : engines[0]!;
  const slice = useMemo<GridSlice>(() => ({ ...selSlice, engine }), [selSlice, engine]);
  const shots = useMemo(() => (bySweep && overlay ? unionShots(config.shots, overlay.config.shots) : config.shots), [bySweep, overlay, config.shots]);
  const noun = bySweep ? "sweep" : "engine";

  const index = useMemo(() => indexResults(results), [results]);
  const overlayIndex = useMemo(() => indexResults(overlay?.results ?? []), [overlay?.results]);
  // Both sweeps: the rows are the items either evaluates, in dataset order.
  const rowItems = useMemo(() => {
    if (!bySweep || !overlay) return items;
    const ids = new Set(items.map((i) => i.id));
    return [...items, ...overlay.items.filter((i) => !ids.has(i.id))].sort((a, b) => a.position - b.position);
  }, [bySweep, overlay, items]);
  const lines = useMemo<Line[]>(() => {
    if (bySweep && overlay) {
      const mine = engines.map((id) => ({ source: 0, engine: id, label: `${overlay.thisLabel}${several ? ` · ${engineLabel(id)}` : ""}` }));
      const theirs = overlayEngines.map((id) => ({ source: 1, engine: id, label: `${overlay.label}${overlayEngines.length > 1 ? ` · ${engineLabel(id)}` : ""}` }));
      return [...mine, ...theirs].map((l, i) => ({ ...l, key: `${l.source}:${l.engine}`, color: overlay.colorOf(l.source, l.engine) ?? engineColor(i) }));
    }
    return engines.map((id, i) => ({ key: id, label: engineLabel(id), color: engineColor(i), engine: id, source: 0 }));
  }, [bySweep, overlay, engines, overlayEngines, several, engineLabel]);
  const sources = useMemo<CompareSource[]>(() => {
    if (!comparing) return [];
    if (bySweep && overlay) {
      const hasMine = planHas(config, items.map((i) => i.id));
      const hasTheirs = planHas(overlay.config, overlay.items.map((i) => i.id));
      return lines.map((l) => (l.source === 0 ? { index, engine: l.engine, has: hasMine } : { index: overlayIndex, engine: l.engine, has: hasTheirs }));
    }
    return engines.map((e) => ({ index, engine: e }));
  }, [comparing, bySweep, overlay, config, items, lines, index, overlayIndex, engines]);

  const rows = useMemo(() => (comparing ? [] : buildRows(items, index, shots, slice)), [comparing, items, index, shots, slice]);
  const visible = useMemo(() => filterRows(rows, filter), [rows, filter]);
  const summaries = useMemo(() => columnSummaries(rows, shots), [rows, shots]);
  const compareRows = useMemo(() => (comparing ? buildSourceRows(rowItems, shots, selSlice, sources) : []), [comparing, rowItems, shots, selSlice, sources]);
  const compareVisible = useMemo(() => filterCompareRows(compareRows, compareFilter), [compareRows, compareFilter]);
  const compareHeads = useMemo(() => compareSummaries(compareRows, shots, sources.length), [compareRows, shots, sources.length]);
  const total = comparing ? compareRows.length : rows.length;
  const matching = comparing ? compareVisible.length : visible.length;

  const ref = (item: GridItem, s: number): CellRef => ({ itemId: item.id, shots: s, seed: slice.seed, selection: slice.selection });
  const openCompared = (item: GridItem, cell: CompareCell) => {
    const outcomes = lines.map((l, i) => ({ engine: l.engine, label: l.label, result: cell.cells[i], ...(cell.absent?.[i] ? { absent: true } : {}) }));
    if (!bySweep || !overlay) return onOpenCell(ref(item, cell.shots), outcomes, item);
    // The prompt shown is this sweep's when it has the cell, else the overlay's: their demonstrations may differ.
    const mineHas = lines.some((l, i) => l.source === 0 && !cell.absent?.[i]);
    const whose = mineHas ? overlay.thisLabel : overlay.label;
    onOpenCell(ref(item, cell.shots), outcomes, item, {
      ...(mineHas ? {} : { sweepId: overlay.id }),
      note: `The prompt below is ${mineHas ? "this sweep's" : "the overlaid sweep's"} (${whose}); the other sweep drew its own demonstrations for this cell.`,
    });
  };

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
    <div className="flex flex-col gap-3" data-testid="results-grid" data-view={view === "engines" ? "compare" : view}>
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
            className={`btn py-1 text-xs ${view === "engines" ? "border-brand-600 bg-brand-50 text-brand-700" : ""}`}
            aria-pressed={view === "engines"}
            onClick={() => setView((v) => (v === "engines" ? "engine" : "engines"))}
            title="Every engine's output per item and shot count, side by side"
            data-testid="grid-compare-engines"
          >
            Compare engines
          </button>
        ) : null}
        {overlay ? (
          <button
            type="button"
            className={`btn py-1 text-xs ${bySweep ? "border-brand-600 bg-brand-50 text-brand-700" : ""}`}
            aria-pressed={bySweep}
            onClick={() => setView((v) => (v === "sweeps" ? "engine" : "sweeps"))}
            title="This sweep's and the overlaid sweep's output per item and shot count, side by side"
            data-testid="grid-compare-sweeps"
          >
            Both sweeps
          </button>
        ) : null}
        <label className="flex flex-col">
          <span className="label">Show</span>
          {comparing ? (
            <select className="input py-1 text-xs" value={compareFilter} onChange={(e) => setCompareFilter(e.target.value as CompareFilter)} data-testid="grid-filter">
              {COMPARE_FILTERS.map((f) => (
                <option key={f.value} value={f.value}>
                  {bySweep ? f.label.replace("One engine right, another wrong", "One sweep right, the other wrong") : f.label}
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
        <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-stone-700" aria-label={`${bySweep ? "Sweeps" : "Engines"}, in the order of each cell's lines`} data-testid="grid-engine-key">
          {lines.map((l) => (
            <li key={l.key} className="flex items-center gap-1.5" data-testid="grid-line-key" data-source={l.source} data-color={l.color}>
              <EngineDot color={l.color} dashed={l.source === 1} />
              {l.label}
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
          aria-label={bySweep ? "Both sweeps' output per item and shot count" : comparing ? "Every engine's output per item and shot count" : "Outputs per item and shot count"}
          data-testid={comparing ? "grid-compare-table" : "grid-table"}
          data-view={view}
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
                        <span key={lines[i]?.key ?? i} className="flex items-center gap-1 font-normal tabular-nums text-stone-500" title={lines[i]?.label}>
                          <EngineDot color={lines[i]?.color ?? engineColor(i)} dashed={lines[i]?.source === 1} />
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
                        <CompareCellButton cell={cell} lines={lines} noun={noun} row={r} col={c} onOpen={() => openCompared(row.item, cell)} />
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

/** A line's colour (the chart's); the overlaid sweep's is outlined, as its markers are. */
function EngineDot({ color, dashed = false }: { color: string; dashed?: boolean }) {
  return <span aria-hidden className="inline-block size-2 shrink-0 rounded-full" style={dashed ? { border: `2px solid ${color}`, background: "white" } : { background: color }} />;
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

const agreementWords = (a: Agreement, noun: string): string =>
  ({ disagree: `the ${noun}s disagree: one is right, another wrong`, differ: `the ${noun}s' outputs differ`, agree: `the ${noun}s agree`, pending: "" })[a];

const STATE_TEXT: Record<CellState | "absent", string> = {
  correct: "text-emerald-800",
  wrong: "text-red-800",
  failed: "text-amber-800",
  pending: "text-stone-400",
  absent: "text-stone-300",
};

function CompareCellButton({ cell, lines, noun, row, col, onOpen }: { cell: CompareCell; lines: Line[]; noun: string; row: number; col: number; onOpen(): void }) {
  const tipId = useId();
  const states = cell.cells.map((c, i) => (cell.absent?.[i] ? ("absent" as const) : cellState(c)));
  const failures = lines.flatMap((l, i) => (states[i] === "failed" ? [`${l.label}: ${cell.cells[i]!.error ?? ""}`] : []));
  const parts = lines.map((l, i) => {
    const c = cell.cells[i];
    const s = states[i]!;
    return `${l.label} ${s === "correct" || s === "wrong" ? `“${c!.output}”, ${STATE_WORDS[s]}` : STATE_WORDS[s]}`;
  });
  const words = agreementWords(cell.agreement, noun);
  const label = `${cell.shots} shots: ${parts.join("; ")}${words ? `; ${words}` : ""}. Show the prompt.`;
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
        {lines.map((l, i) => {
          const c = cell.cells[i];
          const s = states[i]!;
          return (
            <span
              key={l.key}
              className="flex min-w-0 items-center gap-1"
              data-testid="grid-engine-output"
              data-engine={l.engine}
              data-source={l.source}
              data-state={s}
              title={s === "failed" ? undefined : `${l.label}: ${s === "absent" ? "not in this sweep" : c ? c.output : "not run yet"}`}
            >
              <EngineDot color={l.color} dashed={l.source === 1} />
              <span aria-hidden className={`shrink-0 font-sans ${STATE_TEXT[s]}`}>
                {MARK[s]}
              </span>
              <span className={`min-w-0 truncate ${s === "pending" || s === "absent" ? "text-stone-400" : s === "failed" ? "text-amber-900" : "text-stone-900"}`}>
                {s === "absent" ? "—" : s === "failed" ? "failed" : c ? c.output || "(empty)" : "pending"}
              </span>
            </span>
          );
        })}
      </button>
      {failures.length > 0 ? <ErrorTip id={tipId} lines={failures} /> : null}
    </div>
  );
}
