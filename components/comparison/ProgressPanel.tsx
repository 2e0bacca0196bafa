import { formatEta, progressFraction, statFigures } from "@/lib/sweeps/client/format";
import type { SweepDetail } from "@/lib/sweeps/types";
import { ProgressBar } from "./ProgressBar";

/** Cells done of total with a bar and the ETA, then what the caches saved and the time spent. */
export function ProgressPanel({ sweep }: { sweep: SweepDetail }) {
  const fraction = progressFraction(sweep.doneCells, sweep.totalCells);
  const eta = formatEta(sweep.etaSeconds, sweep.status);
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
      </dl>
    </div>
  );
}
