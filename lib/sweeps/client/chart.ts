/**
 * Pure maths of the accuracy-vs-shots chart: series from one or two sweeps' curves (a line per
 * engine × selection), the evenly spaced (log-ish) shot axis, scales, line and confidence-band
 * paths, ticks and the hover/keyboard focus. No React, no DOM: unit-tested in
 * tests/unit/sweep-chart.test.ts.
 */
import type { SweepCurvePoint, SweepSelection } from "../types";
import { engineColor, engineName, resolveEngine, unique, type EngineNames } from "./engines";

export const SELECTION_LABELS: Record<SweepSelection, string> = {
  random: "Random",
  balanced: "Balanced",
  rices: "RICES",
};

/** One colour per selection strategy (distinct in hue and lightness, legible on white): used while one engine is on the chart. */
export const SELECTION_COLORS: Record<SweepSelection, string> = {
  random: "#2563eb",
  balanced: "#d97706",
  rices: "#059669",
};

export type MarkerShape = "circle" | "square" | "diamond" | "triangle";

/** With several engines the colour is the engine's, so the marker's shape tells the selections apart. */
export const SELECTION_MARKERS: Record<SweepSelection, MarkerShape> = {
  random: "circle",
  balanced: "diamond",
  rices: "triangle",
};

const SELECTION_ORDER: SweepSelection[] = ["random", "balanced", "rices"];

/** A curve point of one series (its engine and selection are the series'). */
export type ChartPoint = Omit<SweepCurvePoint, "selection" | "engine">;

/** A line of the chart: one engine × selection strategy of one sweep. */
export interface ChartSeries {
  /**
   * Unique per line: `source:selection` while the sweep has one engine (as before engines), else
   * `source:engine:selection`.
   */
  key: string;
  /** Which sweep (0 = the one on the page, 1 = the overlay). */
  source: number;
  sourceLabel: string;
  /** The engine's id ("" of sweeps made before engines resolved to their model). */
  engine: string;
  engineLabel: string;
  selection: SweepSelection;
  label: string;
  color: string;
  /** SVG stroke-dasharray; the overlay is dashed so the two sweeps differ without colour. */
  dash: string | undefined;
  marker: MarkerShape;
  /** Overlay markers are outlined (white inside). */
  hollow: boolean;
  points: ChartPoint[];
}

export interface CurveSource {
  label: string;
  curve: SweepCurvePoint[];
  /** The sweep's configured engines, in order (config.engines); engines of the curve not named here follow. */
  engines?: readonly string[];
  /** The sweep's bundled model: what engine "" means. */
  model?: string;
}

/** A (sweep, engine) pair of the chart, with its colour: what the cross-sweep grid's dots use too. */
export interface LineGroup {
  source: number;
  /** The resolved engine id ("" of old sweeps is their model). */
  engine: string;
  color: string;
}

const enginesOfSources = (sources: readonly CurveSource[]): string[][] =>
  sources.map((src) => unique([...(src.engines ?? []), ...src.curve.map((p) => p.engine)].map((e) => resolveEngine(e, src.model ?? ""))));

/**
 * The chart's colours per (sweep, engine). With one sweep on the chart each engine has its colour;
 * with an overlay every (sweep, engine) pair has its own, so an overlaid sweep never takes the
 * colour of the sweep under it (a dashed line of the same colour hid the first curve where they
 * met), even on the same engine. (One sweep on one engine colours by selection instead: buildSeries.)
 */
export function lineGroups(sources: readonly CurveSource[]): LineGroup[] {
  const enginesOf = enginesOfSources(sources);
  if (sources.length > 1) return enginesOf.flatMap((engines, source) => engines.map((engine) => ({ source, engine }))).map((g, i) => ({ ...g, color: engineColor(i) }));
  const all = unique(enginesOf.flat());
  return (enginesOf[0] ?? []).map((engine) => ({ source: 0, engine, color: engineColor(all.indexOf(engine)) }));
}

/**
 * Lines for each (sweep, engine, selection), points sorted by shots; empty curves give no line.
 * One sweep on one engine: each selection keeps its own colour (as before engines). Otherwise each
 * (sweep, engine) has its colour (lineGroups) and each selection its marker shape; an overlaid sweep
 * is also dashed with outlined markers. Labels name the sweep when one is overlaid and the engine
 * when its sweep has several.
 */
export function buildSeries(sources: CurveSource[], names?: EngineNames): ChartSeries[] {
  const model = (src: CurveSource) => src.model ?? "";
  const enginesOf = enginesOfSources(sources);
  const groups = lineGroups(sources);
  const byGroup = sources.length > 1 || unique(enginesOf.flat()).length > 1;
  const out: ChartSeries[] = [];
  sources.forEach((src, source) => {
    const engines = enginesOf[source]!;
    const several = engines.length > 1;
    for (const engine of engines) {
      const engineLabel = engineName(engine, names, model(src));
      const groupColor = groups.find((g) => g.source === source && g.engine === engine)?.color ?? engineColor(0);
      for (const selection of SELECTION_ORDER) {
        const points = src.curve
          .filter((p) => resolveEngine(p.engine, model(src)) === engine && p.selection === selection && p.n > 0)
          .map(({ shots, n, accuracy, low, high, f1 }) => ({ shots, n, accuracy, low, high, ...(f1 !== undefined ? { f1 } : {}) }))
          .sort((a, b) => a.shots - b.shots);
        if (points.length === 0) continue;
        const label = [...(sources.length > 1 ? [src.label] : []), ...(several ? [engineLabel] : []), SELECTION_LABELS[selection]].join(" · ");
        out.push({
          key: several ? `${source}:${engine}:${selection}` : `${source}:${selection}`,
          source,
          sourceLabel: src.label,
          engine,
          engineLabel,
          selection,
          label,
          color: byGroup ? groupColor : SELECTION_COLORS[selection],
          dash: source === 0 ? undefined : "6 4",
          marker: byGroup ? SELECTION_MARKERS[selection] : "circle",
          hollow: source !== 0,
          points,
        });
      }
    }
  });
  return out;
}

/** Whether any sweep on the chart has several engines (the table then gets an engine column). */
export const hasSeveralEngines = (series: ChartSeries[]): boolean => new Set(series.map((s) => `${s.source}|${s.engine}`)).size > new Set(series.map((s) => s.source)).size;

/** SVG path of a marker centred on (x, y) with "radius" r (square, diamond, triangle; circles are drawn as <circle>). */
export function markerPath(shape: Exclude<MarkerShape, "circle">, x: number, y: number, r: number): string {
  switch (shape) {
    case "square":
      return `M${fmt(x - r)},${fmt(y - r)}H${fmt(x + r)}V${fmt(y + r)}H${fmt(x - r)}Z`;
    case "diamond": {
      const d = r * 1.3;
      return `M${fmt(x)},${fmt(y - d)}L${fmt(x + d)},${fmt(y)}L${fmt(x)},${fmt(y + d)}L${fmt(x - d)},${fmt(y)}Z`;
    }
    case "triangle": {
      const t = r * 1.35;
      return `M${fmt(x)},${fmt(y - t)}L${fmt(x + t)},${fmt(y + t * 0.75)}L${fmt(x - t)},${fmt(y + t * 0.75)}Z`;
    }
  }
}

/** Distinct shot counts of all series, ascending: the x axis's categories. */
export function shotAxis(series: ChartSeries[], configured: readonly number[] = []): number[] {
  return [...new Set([...configured, ...series.flatMap((s) => s.points.map((p) => p.shots))])].sort((a, b) => a - b);
}

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface ChartLayout {
  width: number;
  height: number;
  margin: Margins;
  shots: number[];
  /** Pixel x of a shot count (categories evenly spaced: 0, 1, 2, 4 … 32 read as a log axis with 0). */
  x(shots: number): number;
  /** Pixel y of an accuracy in [0, 1]. */
  y(accuracy: number): number;
}

export const DEFAULT_MARGIN: Margins = { top: 12, right: 16, bottom: 40, left: 48 };

export function layoutChart(width: number, height: number, shots: number[], margin: Margins = DEFAULT_MARGIN): ChartLayout {
  const innerW = Math.max(1, width - margin.left - margin.right);
  const innerH = Math.max(1, height - margin.top - margin.bottom);
  const index = new Map(shots.map((s, i) => [s, i]));
  // A single category sits in the middle; otherwise the first and last touch the plot's edges, inset by a step's fifth.
  const inset = shots.length > 1 ? innerW / (shots.length - 1) / 5 : 0;
  const step = shots.length > 1 ? (innerW - 2 * inset) / (shots.length - 1) : 0;
  return {
    width,
    height,
    margin,
    shots,
    x: (s) => {
      const i = index.get(s);
      if (i === undefined) return Number.NaN;
      return shots.length > 1 ? margin.left + inset + i * step : margin.left + innerW / 2;
    },
    y: (a) => margin.top + innerH * (1 - clamp01(a)),
  };
}

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
const fmt = (v: number) => (Math.round(v * 10) / 10).toString();

/** The polyline through each point's accuracy. */
export function linePath(points: ChartPoint[], layout: ChartLayout): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${fmt(layout.x(p.shots))},${fmt(layout.y(p.accuracy))}`).join("");
}

/** The closed area between the upper and lower 95% bounds (upper left→right, lower right→left). */
export function bandPath(points: ChartPoint[], layout: ChartLayout): string {
  if (points.length === 0) return "";
  if (points.length === 1) {
    // One shot count: a narrow vertical bar, so the interval is still visible.
    const p = points[0]!;
    const x = layout.x(p.shots);
    return `M${fmt(x - 4)},${fmt(layout.y(p.high))}L${fmt(x + 4)},${fmt(layout.y(p.high))}L${fmt(x + 4)},${fmt(layout.y(p.low))}L${fmt(x - 4)},${fmt(layout.y(p.low))}Z`;
  }
  const upper = points.map((p, i) => `${i === 0 ? "M" : "L"}${fmt(layout.x(p.shots))},${fmt(layout.y(p.high))}`);
  const lower = [...points].reverse().map((p) => `L${fmt(layout.x(p.shots))},${fmt(layout.y(p.low))}`);
  return `${upper.join("")}${lower.join("")}Z`;
}

/** Gridlines of the y axis: every 10% when tall enough, else every 25%. */
export function yTicks(innerHeight: number): number[] {
  const step = innerHeight >= 220 ? 0.1 : 0.25;
  const out: number[] = [];
  for (let v = 0; v <= 1 + 1e-9; v += step) out.push(Math.round(v * 100) / 100);
  return out;
}

/** The shot category nearest a pointer's x (in the chart's own pixel space). */
export function nearestShot(px: number, layout: ChartLayout): number | undefined {
  let best: number | undefined;
  let dist = Number.POSITIVE_INFINITY;
  for (const s of layout.shots) {
    const d = Math.abs(layout.x(s) - px);
    if (d < dist) {
      dist = d;
      best = s;
    }
  }
  return best;
}

/** Keyboard focus along the x axis: ArrowLeft/Right step, Home/End jump; undefined starts at the first. */
export function stepShot(current: number | undefined, key: string, shots: number[]): number | undefined {
  if (shots.length === 0) return undefined;
  const i = current === undefined ? -1 : shots.indexOf(current);
  switch (key) {
    case "ArrowRight":
      return shots[Math.min(shots.length - 1, i + 1)];
    case "ArrowLeft":
      return shots[Math.max(0, i < 0 ? 0 : i - 1)];
    case "Home":
      return shots[0];
    case "End":
      return shots[shots.length - 1];
    default:
      return current;
  }
}

/** Each series' point at a shot count (for the tooltip), in series order. */
export function pointsAt(series: ChartSeries[], shots: number): { series: ChartSeries; point: ChartPoint }[] {
  return series.flatMap((s) => {
    const point = s.points.find((p) => p.shots === shots);
    return point ? [{ series: s, point }] : [];
  });
}

export const percent = (v: number, digits = 1): string => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : "—");

/** Chance level of a closed-ended task with k candidates (a reference line in rank mode). */
export const chance = (candidates: number): number | undefined => (candidates >= 2 ? 1 / candidates : undefined);

/**
 * A one-sentence summary for screen readers: each line's accuracy at the fewest and the most
 * shots, with the change. E.g. "Random: 51.0% at 0 shots → 78.0% at 8 shots (+27.0 points)".
 */
export function describeSeries(s: ChartSeries): string {
  const first = s.points[0];
  const last = s.points[s.points.length - 1];
  if (!first || !last) return `${s.label}: no results yet`;
  if (first === last) return `${s.label}: ${percent(first.accuracy)} at ${first.shots} shots`;
  const delta = (last.accuracy - first.accuracy) * 100;
  return `${s.label}: ${percent(first.accuracy)} at ${first.shots} shots → ${percent(last.accuracy)} at ${last.shots} shots (${delta >= 0 ? "+" : ""}${delta.toFixed(1)} points)`;
}

/**
 * The Wilson score interval (95%) of k successes in n trials, as the API computes it; used to
 * check the server's bands and for curves built in the browser from partial results.
 */
export function wilson(k: number, n: number, z = 1.959964): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At p = 0 or 1 the bound is exactly 0 or 1; say so rather than 0.9999999999999999.
  return { low: k <= 0 ? 0 : Math.max(0, centre - half), high: k >= n ? 1 : Math.min(1, centre + half) };
}
