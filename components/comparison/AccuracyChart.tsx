"use client";

import { useId, useMemo, useState, type KeyboardEvent, type PointerEvent } from "react";
import {
  bandPath,
  DEFAULT_MARGIN,
  describeSeries,
  layoutChart,
  linePath,
  nearestShot,
  percent,
  pointsAt,
  stepShot,
  yTicks,
  type ChartLayout,
  type ChartSeries,
} from "@/lib/sweeps/client/chart";
import { ChartLegend } from "./ChartLegend";
import { CurveTable } from "./CurveTable";
import { MarkerGlyph, SeriesSwatch } from "./MarkerGlyph";
import { useWidth } from "./useWidth";

const NARROW_MARGIN = { top: 12, right: 10, bottom: 40, left: 40 };

interface Props {
  series: ChartSeries[];
  /** The shot counts of the axis (configured ones appear even before they have results). */
  shots: number[];
  /** Chance accuracy of a closed-ended task (a dotted reference line), when known. */
  chanceLevel?: number;
  /** "accuracy" (rank, exact match) — what the y axis measures, for the labels. */
  metricLabel: string;
}

/**
 * Accuracy against shots: one line per engine × selection strategy (and per sweep when one is
 * overlaid), 95% intervals as translucent bands. Hover or focus + arrow keys moves a
 * crosshair whose tooltip lists every line at that shot count; a table holds the same numbers.
 */
export function AccuracyChart({ series, shots, chanceLevel, metricLabel }: Props) {
  const [boxRef, width] = useWidth<HTMLDivElement>(720);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [active, setActive] = useState<number | undefined>(undefined);
  const descId = useId();
  const height = width < 480 ? 240 : 300;
  const margin = width < 480 ? NARROW_MARGIN : DEFAULT_MARGIN;
  const layout = useMemo(() => layoutChart(width, height, shots, margin), [width, height, shots, margin]);
  const visible = series.filter((s) => !hidden.has(s.key));

  const onPointer = (e: PointerEvent<SVGSVGElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    setActive(nearestShot(e.clientX - rect.left, layout));
  };
  const onKey = (e: KeyboardEvent<SVGSVGElement>) => {
    if (e.key === "Escape") return setActive(undefined);
    const next = stepShot(active, e.key, shots);
    if (next !== active) {
      e.preventDefault();
      setActive(next);
    }
  };

  const toggle = (key: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <figure className="flex flex-col gap-3" data-testid="accuracy-chart">
      <div ref={boxRef} className="relative w-full">
        <p id={descId} className="sr-only">
          {`${metricLabel} against the number of shots, with 95% confidence intervals. `}
          {series.map(describeSeries).join(". ")}
          {". Focus the chart and use the arrow keys to read each shot count."}
        </p>
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={`${metricLabel} against shots`}
          aria-describedby={descId}
          tabIndex={0}
          className="block h-auto max-w-full touch-pan-y select-none overflow-visible rounded-md"
          onPointerMove={onPointer}
          onPointerDown={onPointer}
          onPointerLeave={() => setActive(undefined)}
          onKeyDown={onKey}
          onBlur={() => setActive(undefined)}
          data-testid="accuracy-chart-svg"
        >
          <Axes layout={layout} metricLabel={metricLabel} />
          {chanceLevel !== undefined ? <ChanceLine layout={layout} level={chanceLevel} /> : null}
          {visible.map((s) => (
            <path key={`band-${s.key}`} d={bandPath(s.points, layout)} fill={s.color} fillOpacity={(s.source === 0 ? 0.16 : 0.1) * (visible.length > 4 ? 0.5 : 1)} stroke="none" data-testid="chart-band" data-series={s.key} />
          ))}
          {active !== undefined ? <line x1={layout.x(active)} x2={layout.x(active)} y1={layout.margin.top} y2={height - layout.margin.bottom} stroke="#a8a29e" strokeDasharray="3 3" /> : null}
          {visible.map((s) => (
            <g key={s.key} data-testid="chart-series" data-series={s.key} data-engine={s.engine} data-selection={s.selection} data-source={s.source} data-label={s.label} data-color={s.color}>
              <path
                d={linePath(s.points, layout)}
                fill="none"
                stroke={s.color}
                strokeWidth={2}
                strokeDasharray={s.dash}
                strokeLinejoin="round"
                strokeLinecap="round"
                data-testid="chart-line"
                data-series={s.key}
                data-engine={s.engine}
                data-selection={s.selection}
                data-source={s.source}
              />
              {s.points.map((p) => (
                <Marker key={p.shots} series={s} x={layout.x(p.shots)} y={layout.y(p.accuracy)} emphasised={active === p.shots} shots={p.shots} accuracy={p.accuracy} low={p.low} high={p.high} n={p.n} />
              ))}
            </g>
          ))}
        </svg>
        {active !== undefined ? <Tooltip layout={layout} shots={active} series={visible} /> : null}
        {series.length === 0 ? (
          <p className="absolute inset-0 flex items-center justify-center text-sm text-stone-500" data-testid="chart-empty">
            No finished cells yet.
          </p>
        ) : null}
      </div>
      <ChartLegend series={series} hidden={hidden} onToggle={toggle} chanceLevel={chanceLevel} />
      <figcaption className="text-xs text-stone-500">
        {metricLabel} over every (seed × query) cell at each shot count; bands are 95% Wilson score intervals. The x axis spaces the shot counts evenly (a log scale with 0).
      </figcaption>
      <CurveTable series={series} shots={shots} metricLabel={metricLabel} />
    </figure>
  );
}

function Axes({ layout, metricLabel }: { layout: ChartLayout; metricLabel: string }) {
  const { margin, width, height } = layout;
  const innerH = height - margin.top - margin.bottom;
  const ticks = yTicks(innerH);
  return (
    <g className="text-[11px]" fill="#57534e">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={margin.left} x2={width - margin.right} y1={layout.y(t)} y2={layout.y(t)} stroke={t === 0 ? "#a8a29e" : "#e7e5e4"} />
          <text x={margin.left - 6} y={layout.y(t)} textAnchor="end" dominantBaseline="middle">
            {Math.round(t * 100)}%
          </text>
        </g>
      ))}
      {layout.shots.map((s) => (
        <text key={s} x={layout.x(s)} y={height - margin.bottom + 16} textAnchor="middle" data-testid="chart-x-tick">
          {s}
        </text>
      ))}
      <text x={margin.left + (width - margin.left - margin.right) / 2} y={height - 6} textAnchor="middle" fill="#78716c">
        Shots (demonstrations in the prompt)
      </text>
      <text transform={`translate(11 ${margin.top + innerH / 2}) rotate(-90)`} textAnchor="middle" fill="#78716c">
        {metricLabel}
      </text>
    </g>
  );
}

function ChanceLine({ layout, level }: { layout: ChartLayout; level: number }) {
  const y = layout.y(level);
  return (
    <g data-testid="chart-chance" data-level={level}>
      <line x1={layout.margin.left} x2={layout.width - layout.margin.right} y1={y} y2={y} stroke="#78716c" strokeDasharray="1 4" strokeWidth={1.5} />
      <text x={layout.width - layout.margin.right} y={y - 4} textAnchor="end" className="text-[10px]" fill="#78716c">
        chance {percent(level, 0)}
      </text>
    </g>
  );
}

interface MarkerProps {
  series: ChartSeries;
  x: number;
  y: number;
  emphasised: boolean;
  shots: number;
  accuracy: number;
  low: number;
  high: number;
  n: number;
}

function Marker({ series, x, y, emphasised, shots, accuracy, low, high, n }: MarkerProps) {
  // The overlay's rings are drawn larger, around the page sweep's dots where the two lines meet.
  const r = (emphasised ? 5 : 3.5) + (series.hollow ? 2 : 0);
  const data = {
    "data-testid": "chart-point",
    "data-series": series.key,
    "data-engine": series.engine,
    "data-selection": series.selection,
    "data-source": series.source,
    "data-shots": shots,
    "data-accuracy": accuracy.toFixed(4),
    "data-low": low.toFixed(4),
    "data-high": high.toFixed(4),
    "data-n": n,
  };
  return <MarkerGlyph series={series} x={x} y={y} r={r} {...data} />;
}

function Tooltip({ layout, shots, series }: { layout: ChartLayout; shots: number; series: ChartSeries[] }) {
  const rows = pointsAt(series, shots);
  const x = layout.x(shots);
  // Keep the box inside the chart: right of the crosshair in the left half, left of it otherwise;
  // and in the vertical half the lines leave free (below them when they are high).
  const left = x < layout.width / 2;
  const mean = rows.reduce((sum, r) => sum + r.point.accuracy, 0) / Math.max(1, rows.length);
  const vertical = mean > 0.5 ? { bottom: layout.margin.bottom + 6 } : { top: layout.margin.top };
  return (
    <div
      role="status"
      aria-live="polite"
      className="pointer-events-none absolute z-10 w-max max-w-[min(24rem,90%)] rounded-md border border-stone-200 bg-white/95 px-2.5 py-2 text-xs shadow-md"
      style={{ ...(left ? { left: x + 10 } : { right: layout.width - x + 10 }), ...vertical }}
      data-testid="chart-tooltip"
    >
      <p className="mb-1 font-semibold">
        {shots} {shots === 1 ? "shot" : "shots"}
      </p>
      {rows.length === 0 ? <p className="text-stone-500">No results at this shot count.</p> : null}
      <ul className="flex flex-col gap-0.5">
        {rows.map(({ series: s, point: p }) => (
          <li key={s.key} className="flex items-baseline gap-1.5">
            <SeriesSwatch series={s} />
            <span className="min-w-0 flex-1 truncate">{s.label}</span>
            <span className="font-medium tabular-nums">{percent(p.accuracy)}</span>
            <span className="tabular-nums text-stone-500">
              [{percent(p.low, 0)}–{percent(p.high, 0)}] n={p.n}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
