"use client";

import { useCallback, useEffect, useMemo, useState } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { buildSeries, lineGroups, shotAxis, type CurveSource } from "@/lib/sweeps/client/chart";
import { engineName, resolveEngine } from "@/lib/sweeps/client/engines";
import { engineProgress, evaluationItems, type GridItem } from "@/lib/sweeps/client/grid";
import { sweepLabels } from "@/lib/sweeps/client/labels";
import type { SweepNote } from "@/lib/sweeps/client/notes";
import type { SweepCellResult, SweepCurvePoint, SweepDetail } from "@/lib/sweeps/types";
import { AccuracyChart } from "./AccuracyChart";
import { BrowserRunnerPanel } from "./BrowserRunnerPanel";
import { OverlayPicker } from "./OverlayPicker";
import { ProgressPanel } from "./ProgressPanel";
import { PromptDialog, type OpenCell } from "./PromptDialog";
import { ResultsGrid } from "./ResultsGrid";
import { SweepHeader } from "./SweepHeader";
import { getCurve, getResults, getSweep } from "./api";
import { useEngines } from "./useEngines";
import { useSweepData } from "./useSweepData";

interface Props {
  initial: SweepDetail;
  items: GridItem[];
  /** Mean chance accuracy of the evaluated items in rank mode (1 / candidates), for a reference line. */
  chanceLevel?: number;
  /** What the chart measures (where labels come from, what 0 and 1 shots show), said beside it. */
  notes?: SweepNote[];
}

/**
 * The sweep page's live part: progress (per engine when several), the chart (a line per engine ×
 * selection, with an optional overlay), the grid (per engine, or engines compared) and a cell's prompt.
 */
export function SweepView({ initial, items, chanceLevel, notes = [] }: Props) {
  const { detail, results, curve, loaded, error, setDetail, refresh } = useSweepData(initial);
  const overlayId = useSearchParams().get("overlay") ?? undefined;
  const overlay = useOverlay(overlayId);
  const router = useRouter();
  const pathname = usePathname();
  const [open, setOpen] = useState<OpenCell | null>(null);
  const openCell = useCallback(
    (ref: OpenCell["ref"], outcomes: OpenCell["outcomes"], _item: GridItem, from?: { sweepId?: string; note: string }) =>
      setOpen({ ref, outcomes, ...(from?.sweepId ? { sweepId: from.sweepId } : {}), ...(from ? { note: from.note } : {}) }),
    [],
  );
  // Registry names of the engines; sweeps made before engines ("" only) need none.
  const registry = useEngines([...detail.config.engines, ...(overlay.detail?.config.engines ?? [])].some((e) => e !== ""));
  const names = registry.names;
  const model = detail.config.model;
  const engineLabel = useCallback((id: string) => engineName(id, names, model), [names, model]);

  const setOverlay = (id: string | undefined) => router.replace(id ? `${pathname}?overlay=${encodeURIComponent(id)}` : pathname, { scroll: false });

  const { sources, labels } = useMemo(() => {
    const details = [detail, ...(overlay.detail ? [overlay.detail] : [])];
    const labels = sweepLabels(details, names);
    const sources: CurveSource[] = [
      { label: labels[0]!, curve, engines: detail.config.engines, model: detail.config.model },
      ...(overlay.detail ? [{ label: labels[1]!, curve: overlay.curve, engines: overlay.detail.config.engines, model: overlay.detail.config.model }] : []),
    ];
    return { sources, labels };
  }, [detail, curve, overlay.detail, overlay.curve, names]);
  const series = useMemo(() => buildSeries(sources, names), [sources, names]);
  // The grid's dots take the chart's colours of each (sweep, engine).
  const groups = useMemo(() => lineGroups(sources), [sources]);
  const gridOverlay = useMemo(
    () =>
      overlay.detail && overlay.loaded
        ? {
            id: overlay.detail.id,
            label: labels[1]!,
            thisLabel: labels[0]!,
            config: overlay.detail.config,
            results: overlay.results,
            colorOf: (source: number, engine: string) =>
              groups.find((g) => g.source === source && g.engine === resolveEngine(engine, source === 0 ? detail.config.model : overlay.detail!.config.model))?.color,
          }
        : undefined,
    [overlay.detail, overlay.loaded, overlay.results, labels, groups, detail.config.model],
  );
  const progress = useMemo(() => engineProgress(results, detail.config.engines), [results, detail.config.engines]);
  const shots = useMemo(() => shotAxis(series, detail.config.shots), [series, detail.config.shots]);
  const gridItems = useMemo(() => evaluationItems(items, detail.config.queries, results), [items, detail.config.queries, results]);
  // With an overlay the grid's rows are both sweeps' evaluated items.
  const overlayItems = useMemo(
    () => (overlay.detail ? evaluationItems(items, overlay.detail.config.queries, overlay.results) : []),
    [items, overlay.detail, overlay.results],
  );
  const metricLabel = detail.config.mode === "rank" ? "Accuracy" : "Exact match";

  return (
    <div className="flex flex-col gap-5" data-testid="sweep-view" data-sweep={detail.id} data-status={detail.status}>
      <SweepHeader sweep={detail} onSweep={setDetail} engineLabel={engineLabel} />

      <section className="card flex flex-col gap-3 p-4" aria-labelledby="progress-heading">
        <h2 id="progress-heading" className="sr-only">
          Progress
        </h2>
        <ProgressPanel sweep={detail} engines={progress} engineLabel={engineLabel} onSweep={setDetail} onRefresh={refresh} />
        {detail.config.backend === "browser" ? <BrowserRunnerPanel sweep={detail} onSweep={setDetail} /> : null}
        {error ? <ErrorNotice error={error} title="Could not refresh the sweep" /> : null}
      </section>

      <section className="card flex min-w-0 flex-col gap-3 p-4" aria-labelledby="chart-heading">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div>
            <h2 id="chart-heading" className="text-sm font-semibold">
              {metricLabel} against shots
            </h2>
            <p className="text-xs text-stone-500">
              {detail.config.mode === "rank" ? "The top-ranked candidate answer, by summed log-likelihood, is the prediction." : "Greedy output, exact match after trimming; the table adds token F1."}
            </p>
          </div>
          <OverlayPicker sweepId={detail.id} datasetId={detail.datasetId} templateName={detail.templateName} value={overlayId} onChange={setOverlay} />
        </div>
        {overlay.error ? <ErrorNotice error={overlay.error} title="The other sweep could not be loaded" /> : null}
        {detail.status !== "done" && detail.doneCells > 0 ? (
          <p className="rounded-md bg-stone-50 px-3 py-1.5 text-xs text-stone-600" data-testid="chart-partial">
            {detail.status === "running" || detail.status === "queued" ? "Still running: " : "Stopped early: "}
            the lines show the {detail.doneCells.toLocaleString("en-US")} of {detail.totalCells.toLocaleString("en-US")} cells finished{detail.status === "running" || detail.status === "queued" ? " so far" : ""}.
          </p>
        ) : null}
        {detail.stats.failedCells > 0 ? (
          <p className="rounded-md bg-amber-50 px-3 py-1.5 text-xs text-amber-900" data-testid="chart-failed">
            {detail.stats.failedCells.toLocaleString("en-US")} failed {detail.stats.failedCells === 1 ? "cell is" : "cells are"} left out of the lines (n counts the cells that ran).
          </p>
        ) : null}
        <AccuracyChart series={series} shots={shots} chanceLevel={chanceLevel} metricLabel={metricLabel} />
        {notes.length > 0 ? (
          <div className="rounded-md border border-stone-200 bg-stone-50 px-3 py-2 text-xs text-stone-700" data-testid="sweep-notes">
            <p className="mb-1 font-medium text-stone-900">How to read this</p>
            <ul className="flex list-disc flex-col gap-1 pl-4">
              {notes.map((n) => (
                <li key={n.id} data-testid="sweep-note" data-note={n.id}>
                  {n.text}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>

      <section className="card flex min-w-0 flex-col gap-3 p-4" aria-labelledby="grid-heading">
        <div>
          <h2 id="grid-heading" className="text-sm font-semibold">
            Side by side
          </h2>
          <p className="text-xs text-stone-500">
            Each row an evaluation item, each column a shot count{detail.config.engines.length > 1 ? ", one engine at a time or the engines compared" : ""}
            {gridOverlay ? "; “Both sweeps” puts the overlaid sweep's result beside this one's in every cell" : ""}. Open a cell to see its exact prompt with the demonstrations.
          </p>
        </div>
        {loaded ? (
          <ResultsGrid
            key={gridOverlay?.id ?? "alone"}
            config={detail.config}
            items={gridItems}
            results={results}
            engineLabel={engineLabel}
            onOpenCell={openCell}
            {...(gridOverlay ? { overlay: { ...gridOverlay, items: overlayItems } } : {})}
          />
        ) : (
          <p className="text-sm text-stone-500" role="status">
            Loading results…
          </p>
        )}
      </section>

      <PromptDialog sweepId={detail.id} mode={detail.config.mode} open={open} onClose={() => setOpen(null)} />
    </div>
  );
}

/** The overlaid sweep's detail, curve and results, refreshed while it is still running. */
function useOverlay(id: string | undefined) {
  const [state, setState] = useState<{ id: string; detail?: SweepDetail; curve: SweepCurvePoint[]; results: SweepCellResult[]; loaded: boolean; error?: unknown } | null>(null);
  useEffect(() => {
    if (!id) return;
    const ac = new AbortController();
    let timer: number | undefined;
    const load = async () => {
      try {
        const [detail, curve, results] = await Promise.all([getSweep(id, ac.signal), getCurve(id, ac.signal), getResults(id, ac.signal)]);
        setState({ id, detail, curve, results, loaded: true });
        if (detail.status === "queued" || detail.status === "running") timer = window.setTimeout(load, 3000);
      } catch (error) {
        if (!ac.signal.aborted) setState({ id, curve: [], results: [], loaded: false, error });
      }
    };
    void load();
    return () => {
      ac.abort();
      window.clearTimeout(timer);
    };
  }, [id]);
  return state && state.id === id ? state : { detail: undefined, curve: [] as SweepCurvePoint[], results: [] as SweepCellResult[], loaded: false, error: undefined };
}
