import { percent, type ChartSeries } from "@/lib/sweeps/client/chart";
import { SeriesSwatch } from "./MarkerGlyph";

/**
 * The chart's key: a swatch drawn like the line (its colour — the selection's, or with several
 * engines or an overlay the (sweep, engine)'s —, its marker, dashed for the overlay), each a toggle
 * that hides or shows its line.
 */
export function ChartLegend({ series, hidden, onToggle, chanceLevel }: { series: ChartSeries[]; hidden: Set<string>; onToggle(key: string): void; chanceLevel?: number }) {
  if (series.length === 0) return null;
  return (
    <ul className="flex flex-wrap gap-x-2 gap-y-1 text-xs" aria-label="Lines" data-testid="chart-legend">
      {series.map((s) => {
        const off = hidden.has(s.key);
        return (
          <li key={s.key}>
            <button
              type="button"
              aria-pressed={!off}
              title={off ? "Show this line" : "Hide this line"}
              onClick={() => onToggle(s.key)}
              className={`flex items-center gap-1.5 rounded px-1.5 py-0.5 hover:bg-stone-100 ${off ? "text-stone-400 line-through" : "text-stone-800"}`}
              data-testid="legend-item"
              data-series={s.key}
              data-engine={s.engine}
              data-selection={s.selection}
              data-source={s.source}
              data-color={s.color}
            >
              <SeriesSwatch series={s} off={off} />
              {s.label}
            </button>
          </li>
        );
      })}
      {chanceLevel !== undefined ? (
        <li className="flex items-center gap-1.5 px-1.5 py-0.5 text-stone-600">
          <svg width="26" height="10" aria-hidden>
            <line x1="1" x2="25" y1="5" y2="5" stroke="#78716c" strokeWidth="1.5" strokeDasharray="1 4" />
          </svg>
          chance ({percent(chanceLevel, 0)})
        </li>
      ) : null}
    </ul>
  );
}
