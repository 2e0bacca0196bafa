import { STATUS_LABELS, STATUS_STYLES } from "@/lib/sweeps/client/format";
import type { SweepStatus } from "@/lib/sweeps/types";

export function StatusBadge({ status, testId = "sweep-status" }: { status: SweepStatus; testId?: string }) {
  return (
    <span className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLES[status]}`} data-testid={testId} data-status={status}>
      {status === "running" ? <span className="size-1.5 animate-pulse rounded-full bg-blue-600" aria-hidden /> : null}
      {STATUS_LABELS[status]}
    </span>
  );
}
