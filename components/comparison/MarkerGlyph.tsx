import type { SVGAttributes } from "react";
import { markerPath, type ChartSeries } from "@/lib/sweeps/client/chart";

/**
 * A series' marker at (x, y): its shape, filled (the sweep on the page) or outlined (the overlay: a
 * see-through ring, so a point of the page's sweep at the same place still shows inside it).
 */
export function MarkerGlyph({ series, x, y, r, ...rest }: { series: Pick<ChartSeries, "marker" | "hollow" | "color">; x: number; y: number; r: number } & SVGAttributes<SVGElement>) {
  const paint = series.hollow ? { fill: "none", stroke: series.color, strokeWidth: 1.75 } : { fill: series.color, stroke: "white", strokeWidth: 1.25 };
  return series.marker === "circle" ? <circle cx={x} cy={y} r={r} {...paint} {...rest} /> : <path d={markerPath(series.marker, x, y, r)} strokeLinejoin="round" {...paint} {...rest} />;
}

/** The line and marker as a small key (legend, tooltip, table). */
export function SeriesSwatch({ series, off = false }: { series: Pick<ChartSeries, "marker" | "hollow" | "color" | "dash">; off?: boolean }) {
  return (
    <svg width="26" height="12" aria-hidden className="shrink-0" opacity={off ? 0.4 : 1}>
      <line x1="1" x2="25" y1="6" y2="6" stroke={series.color} strokeWidth="2" strokeDasharray={series.dash} />
      <MarkerGlyph series={series} x={13} y={6} r={3.25} />
    </svg>
  );
}
