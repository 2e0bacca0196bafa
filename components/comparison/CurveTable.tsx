import { hasSeveralEngines, percent, SELECTION_LABELS, type ChartSeries } from "@/lib/sweeps/client/chart";
import { SeriesSwatch } from "./MarkerGlyph";

/**
 * The chart's numbers as a table (the accessible fallback, and what a reader copies into a paper);
 * with several engines, the engine and the selection get a column each.
 */
export function CurveTable({ series, shots, metricLabel }: { series: ChartSeries[]; shots: number[]; metricLabel: string }) {
  if (series.length === 0) return null;
  const hasF1 = series.some((s) => s.points.some((p) => p.f1 !== undefined));
  const engines = hasSeveralEngines(series);
  return (
    <details className="group text-xs" data-testid="curve-table-details">
      <summary className="cursor-pointer select-none text-stone-600 hover:text-stone-900">Show the numbers as a table</summary>
      <div className="mt-2 overflow-x-auto">
        <table className="w-full border-collapse text-left tabular-nums" data-testid="curve-table">
          <caption className="sr-only">{metricLabel} with 95% intervals, per line and shot count</caption>
          <thead>
            <tr className="border-b border-stone-200 text-stone-500">
              <th scope="col" className="py-1 pr-3 font-medium">
                Line
              </th>
              {engines ? (
                <>
                  <th scope="col" className="py-1 pr-3 font-medium">
                    Engine
                  </th>
                  <th scope="col" className="py-1 pr-3 font-medium">
                    Selection
                  </th>
                </>
              ) : null}
              <th scope="col" className="py-1 pr-3 font-medium">
                Shots
              </th>
              <th scope="col" className="py-1 pr-3 font-medium">
                {metricLabel}
              </th>
              <th scope="col" className="py-1 pr-3 font-medium">
                95% interval
              </th>
              <th scope="col" className="py-1 pr-3 font-medium">
                n
              </th>
              {hasF1 ? (
                <th scope="col" className="py-1 pr-3 font-medium">
                  Token F1
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {series.flatMap((s) =>
              shots.map((shot) => {
                const p = s.points.find((q) => q.shots === shot);
                return (
                  <tr
                    key={`${s.key}-${shot}`}
                    className="border-b border-stone-100"
                    data-testid="curve-row"
                    data-series={s.key}
                    data-engine={s.engine}
                    data-selection={s.selection}
                    data-source={s.source}
                    data-shots={shot}
                    data-accuracy={p ? p.accuracy.toFixed(4) : ""}
                    data-n={p?.n ?? 0}
                  >
                    <th scope="row" className="py-1 pr-3 font-normal">
                      <span className="flex items-center gap-1.5">
                        <SeriesSwatch series={s} />
                        {s.label}
                      </span>
                    </th>
                    {engines ? (
                      <>
                        <td className="py-1 pr-3">{s.engineLabel}</td>
                        <td className="py-1 pr-3">{SELECTION_LABELS[s.selection]}</td>
                      </>
                    ) : null}
                    <td className="py-1 pr-3">{shot}</td>
                    <td className="py-1 pr-3 font-medium">{p ? percent(p.accuracy) : "—"}</td>
                    <td className="py-1 pr-3">{p ? `${percent(p.low)} – ${percent(p.high)}` : "—"}</td>
                    <td className="py-1 pr-3">{p?.n ?? 0}</td>
                    {hasF1 ? <td className="py-1 pr-3">{p?.f1 !== undefined ? p.f1.toFixed(3) : "—"}</td> : null}
                  </tr>
                );
              }),
            )}
          </tbody>
        </table>
      </div>
    </details>
  );
}
