import Link from "next/link";
import { formatDateTime } from "@/components/ui/format";
import { formatEta, isActive, progressFraction } from "@/lib/sweeps/client/format";
import type { SweepSummary } from "@/lib/sweeps/types";
import { AutoRefresh } from "./AutoRefresh";
import { ProgressBar } from "./ProgressBar";
import { StatusBadge } from "./StatusBadge";

/** Every sweep, newest first: status, what it compared, progress, when. Refreshes itself while any runs. */
export function SweepList({ sweeps }: { sweeps: SweepSummary[] }) {
  if (sweeps.length === 0) {
    return (
      <div className="card flex flex-col items-center gap-2 px-6 py-12 text-center" data-testid="sweeps-empty">
        <p className="font-medium">No comparisons yet.</p>
        <p className="text-sm text-stone-600">Start one: pick a template and a dataset, and see how accuracy changes with the number of shots.</p>
      </div>
    );
  }
  const running = sweeps.some((s) => isActive(s.status));
  return (
    <>
      {running ? <AutoRefresh everyMs={2000} /> : null}
      <ul className="card divide-y divide-stone-100" data-testid="sweep-list">
        <li className="hidden grid-cols-[minmax(0,2fr)_6rem_minmax(0,1.5fr)_minmax(0,1.2fr)_10rem] gap-3 px-4 py-2 text-xs font-medium text-stone-500 md:grid" aria-hidden>
          <span>Name</span>
          <span>Status</span>
          <span>Template · dataset</span>
          <span>Progress</span>
          <span>Created</span>
        </li>
        {sweeps.map((s) => (
          <li key={s.id} className="relative grid grid-cols-1 gap-1 px-4 py-3 hover:bg-stone-50 md:grid-cols-[minmax(0,2fr)_6rem_minmax(0,1.5fr)_minmax(0,1.2fr)_10rem] md:items-center md:gap-3" data-testid="sweep-row" data-sweep={s.id} data-status={s.status}>
            <Link href={`/sweeps/${encodeURIComponent(s.id)}`} className="min-w-0 font-medium text-stone-900 wrap-anywhere after:absolute after:inset-0 hover:underline" data-testid="sweep-link">
              {s.name}
            </Link>
            <span>
              <StatusBadge status={s.status} testId="sweep-row-status" />
            </span>
            <span className="min-w-0 truncate text-xs text-stone-600">
              {s.templateName ?? "deleted template"} · {s.datasetName}
            </span>
            <span className="flex flex-col gap-0.5 text-xs">
              <ProgressBar done={s.doneCells} total={s.totalCells} status={s.status} label={`${s.name}: progress`} thin />
              <span className="tabular-nums text-stone-500">
                {s.doneCells}/{s.totalCells} · {Math.floor(progressFraction(s.doneCells, s.totalCells) * 100)}%{isActive(s.status) ? ` · ${formatEta(s.etaSeconds, s.status)}` : ""}
              </span>
            </span>
            <span className="text-xs text-stone-500">{formatDateTime(s.createdAt)}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
