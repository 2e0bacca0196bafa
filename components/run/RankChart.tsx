import { barWidth, type ScoreRow } from "./options";

/** Horizontal bars of each candidate's log-likelihood (sum and per-token mean); the best is highlighted. */
export function RankChart({ rows }: { rows: ScoreRow[] }) {
  const sums = rows.map((r) => r.sum);
  const means = rows.map((r) => r.mean);
  return (
    <figure className="flex flex-col gap-2" data-testid="rank-chart">
      <figcaption className="text-xs text-stone-500">
        Log-likelihood of each candidate after the prompt (with <code>&lt;|endofchunk|&gt;</code>); closer to 0 is more likely. Longer bar = more likely.
      </figcaption>
      <ul className="flex flex-col gap-2">
        {rows.map((r) => (
          <li
            key={r.candidate}
            className={`rounded-md border px-3 py-2 ${r.best ? "border-brand-500 bg-brand-50" : "border-stone-200"}`}
            data-testid="rank-row"
            data-candidate={r.candidate}
            data-best={r.best ? "true" : "false"}
          >
            <div className="mb-1 flex items-baseline justify-between gap-2 text-sm">
              <span className="font-mono font-medium wrap-anywhere">
                {r.candidate}
                {r.best ? <span className="ml-2 rounded bg-brand-600 px-1.5 py-0.5 font-sans text-[10px] font-semibold uppercase text-white">best</span> : null}
              </span>
              <span className="text-xs tabular-nums text-stone-600">{(r.share * 100).toFixed(1)}% of the mass</span>
            </div>
            <Bar label="sum" value={r.sum} width={barWidth(r.sum, sums)} strong={r.best} testId="rank-bar-sum" />
            <Bar label={r.tokens > 0 ? `mean (${r.tokens} tok)` : "mean"} value={r.mean} width={barWidth(r.mean, means)} strong={false} testId="rank-bar-mean" />
          </li>
        ))}
      </ul>
    </figure>
  );
}

function Bar({ label, value, width, strong, testId }: { label: string; value: number; width: number; strong: boolean; testId: string }) {
  return (
    <div className="grid grid-cols-[6.5rem_minmax(0,1fr)_4rem] items-center gap-2 text-xs">
      <span className="text-stone-500">{label}</span>
      <div className="h-3 rounded bg-stone-100" role="presentation">
        <div className={`h-3 rounded ${strong ? "bg-brand-600" : "bg-stone-400"}`} style={{ width: `${(width * 100).toFixed(1)}%` }} data-testid={testId} />
      </div>
      <span className="text-right font-mono tabular-nums">{Number.isFinite(value) ? value.toFixed(3) : "−∞"}</span>
    </div>
  );
}
