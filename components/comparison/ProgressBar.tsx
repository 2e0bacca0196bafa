import type { SweepStatus } from "@/lib/sweeps/types";

const FILL: Record<SweepStatus, string> = {
  queued: "bg-stone-400",
  running: "bg-brand-600",
  done: "bg-emerald-600",
  failed: "bg-red-600",
  cancelled: "bg-amber-500",
};

/** Cells done of total, coloured by status (a styled div: the native <progress> ignores our colours in some engines). */
export function ProgressBar({ done, total, status, label, thin, testId }: { done: number; total: number; status: SweepStatus; label: string; thin?: boolean; testId?: string }) {
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={done}
      aria-valuetext={`${done} of ${total} cells`}
      className={`w-full overflow-hidden rounded-full bg-stone-200 ${thin ? "h-1.5" : "h-2"}`}
      data-testid={testId}
    >
      <div className={`h-full rounded-full transition-[width] duration-500 ${FILL[status]}`} style={{ width: `${pct.toFixed(2)}%` }} />
    </div>
  );
}
