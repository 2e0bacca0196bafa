import type { DetectedCapabilities } from "@/lib/engines/types";
import { formatMs, probeConclusion, rankMethodText, STEP_LABELS } from "./describe";

/** A connection test: every step with ✓/✗, its detail (the engine's own words when it failed) and time, then the conclusion. */
export function ProbeResult({ capabilities: c }: { capabilities: DetectedCapabilities }) {
  const rank = rankMethodText(c.rankMethod);
  return (
    <div
      className={`flex min-w-0 flex-col gap-2 rounded-md border px-3 py-2 text-sm ${c.ok ? "border-emerald-200 bg-emerald-50/60" : "border-red-200 bg-red-50/60"}`}
      data-testid="probe-result"
      data-ok={c.ok ? "true" : "false"}
      data-rank-method={c.rankMethod}
    >
      <ol className="flex flex-col gap-1" aria-label="Test steps">
        {c.steps.map((s, i) => (
          <li key={`${s.name}-${i}`} className="grid grid-cols-[1.25rem_minmax(0,1fr)_auto] items-baseline gap-x-1.5" data-testid="probe-step" data-step={s.name} data-ok={s.ok ? "true" : "false"}>
            <span className={`font-semibold ${s.ok ? "text-emerald-700" : "text-red-700"}`} aria-hidden>
              {s.ok ? "✓" : "✗"}
            </span>
            <span className="min-w-0">
              <span className="sr-only">{s.ok ? "Passed: " : "Failed: "}</span>
              <span className="font-medium text-stone-800">{STEP_LABELS[s.name] ?? s.name}</span>
              {s.detail ? <span className={`block text-xs wrap-anywhere ${s.ok ? "text-stone-600" : "font-mono text-red-800"}`}>{s.detail}</span> : null}
            </span>
            <span className="text-xs text-stone-500 tabular-nums">{formatMs(s.ms)}</span>
          </li>
        ))}
      </ol>
      <p className={`flex flex-wrap items-baseline gap-x-2 gap-y-1 border-t pt-2 ${c.ok ? "border-emerald-200 text-emerald-950" : "border-red-200 text-red-900"}`}>
        <span className="font-medium">{c.ok ? "✓ Works." : "✗ Failed."}</span>
        <span className="min-w-0 wrap-anywhere">{probeConclusion(c)}</span>
        {c.ok ? (
          <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${rank.approximate ? "bg-amber-100 text-amber-900" : "bg-emerald-100 text-emerald-900"}`}>
            {rank.approximate ? "approximate" : "exact"}
          </span>
        ) : null}
      </p>
    </div>
  );
}
