"use client";

import { useState } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { percent } from "@/lib/sweeps/client/chart";
import { engineColor } from "@/lib/sweeps/client/engines";
import { formatEta, progressFraction, statFigures } from "@/lib/sweeps/client/format";
import type { EngineProgress } from "@/lib/sweeps/client/grid";
import type { SweepDetail } from "@/lib/sweeps/types";
import { retryFailedCells } from "./api";
import { ProgressBar } from "./ProgressBar";

interface Props {
  sweep: SweepDetail;
  /** Per configured engine, from the results (shown when the sweep has several). */
  engines: EngineProgress[];
  engineLabel(engine: string): string;
  onSweep(sweep: SweepDetail): void;
  /** Poll again (a retried sweep runs again). */
  onRefresh(): void;
}

/**
 * Cells done of total with a bar and the ETA; per engine when there are several; the failed cells
 * with "Retry failed cells"; then what the caches saved, the time spent, throughput, tokens, retries.
 */
export function ProgressPanel({ sweep, engines, engineLabel, onSweep, onRefresh }: Props) {
  const fraction = progressFraction(sweep.doneCells, sweep.totalCells);
  const eta = formatEta(sweep.etaSeconds, sweep.status);
  const failed = sweep.stats.failedCells;
  const perEngine = engines.length > 1 ? Math.round(sweep.totalCells / Math.max(1, sweep.config.engines.length)) : 0;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [retried, setRetried] = useState<number | null>(null);

  const retry = async () => {
    setBusy(true);
    setError(null);
    setRetried(null);
    try {
      const r = await retryFailedCells(sweep.id);
      setRetried(r.retried);
      onSweep(r.sweep);
      onRefresh();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="flex flex-col gap-3" data-testid="sweep-progress">
      <div className="flex flex-col gap-1">
        <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
          <span className="tabular-nums" data-testid="sweep-cells" data-done={sweep.doneCells} data-total={sweep.totalCells}>
            <strong>{sweep.doneCells.toLocaleString("en-US")}</strong> of {sweep.totalCells.toLocaleString("en-US")} cells
            <span className="text-stone-500"> ({Math.floor(fraction * 100)}%)</span>
          </span>
          <span className="text-xs text-stone-600" data-testid="sweep-eta" aria-live="polite">
            {eta}
          </span>
        </div>
        <ProgressBar done={sweep.doneCells} total={sweep.totalCells} status={sweep.status} label="Sweep progress" testId="sweep-progress-bar" />
      </div>
      {engines.length > 1 ? (
        <ul className="grid grid-cols-1 gap-x-4 gap-y-1 text-xs sm:grid-cols-2" aria-label="Progress per engine" data-testid="sweep-engine-progress">
          {engines.map((e, i) => {
            const ran = e.done - e.failed;
            return (
              <li key={e.engine} className="flex min-w-0 items-baseline gap-1.5 tabular-nums" data-testid="sweep-engine-done" data-engine={e.engine} data-done={e.done} data-failed={e.failed}>
                <span aria-hidden className="inline-block size-2 shrink-0 self-center rounded-full" style={{ background: engineColor(i) }} />
                <span className="min-w-0 truncate font-medium text-stone-800">{engineLabel(e.engine)}</span>
                <span className="text-stone-600">
                  {e.done.toLocaleString("en-US")}
                  {perEngine > 0 ? ` of ${perEngine.toLocaleString("en-US")}` : ""}
                </span>
                {ran > 0 ? <span className="text-stone-500">· {percent(e.correct / ran)} correct</span> : null}
                {e.failed > 0 ? <span className="text-amber-800">· {e.failed.toLocaleString("en-US")} failed</span> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      {sweep.error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 wrap-anywhere" data-testid="sweep-error">
          {sweep.error}
        </p>
      ) : null}
      <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-xs sm:grid-cols-3 lg:grid-cols-5" data-testid="sweep-stats">
        {statFigures(sweep.stats, sweep.doneCells).map((f) => (
          <div key={f.testId} title={f.hint}>
            <dt className="text-stone-500">{f.label}</dt>
            <dd className="font-medium tabular-nums text-stone-900" data-testid={f.testId}>
              {f.value}
            </dd>
          </div>
        ))}
        <div title="Cells whose engine kept failing (after its retries): not counted in the chart">
          <dt className="text-stone-500">Failed cells</dt>
          <dd className={`font-medium tabular-nums ${failed > 0 ? "text-amber-800" : "text-stone-900"}`} data-testid="sweep-failed-count" data-failed={failed}>
            {failed.toLocaleString("en-US")}
          </dd>
        </div>
      </dl>
      {failed > 0 && sweep.config.backend === "server" ? (
        <div className="flex flex-wrap items-center gap-3 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900">
          <p className="min-w-0 flex-1">
            {failed.toLocaleString("en-US")} {failed === 1 ? "cell" : "cells"} failed after {failed === 1 ? "its" : "their"} engine&apos;s retries. They are left out of the chart; open one in the grid for its error.
          </p>
          <button type="button" className="btn py-1 text-xs" onClick={retry} disabled={busy} aria-busy={busy} data-testid="sweep-retry-failed">
            {busy ? "Retrying…" : "Retry failed cells"}
          </button>
        </div>
      ) : null}
      {retried !== null ? (
        <p className="text-xs text-stone-600" role="status" data-testid="sweep-retried">
          {retried.toLocaleString("en-US")} failed {retried === 1 ? "cell runs" : "cells run"} again.
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} title="The failed cells were not retried" /> : null}
    </div>
  );
}
