import { describe, expect, it } from "vitest";
import {
  bandPath,
  buildSeries,
  chance,
  describeSeries,
  layoutChart,
  linePath,
  nearestShot,
  pointsAt,
  shotAxis,
  stepShot,
  wilson,
  yTicks,
} from "@/lib/sweeps/client/chart";
import type { SweepCurvePoint } from "@/lib/sweeps/types";

const pt = (selection: SweepCurvePoint["selection"], shots: number, accuracy: number, n = 40): SweepCurvePoint => {
  const { low, high } = wilson(Math.round(accuracy * n), n);
  return { selection, shots, n, accuracy, low, high };
};

describe("wilson interval", () => {
  it("matches the textbook values and stays inside [0, 1]", () => {
    // 20/40: centre 0.5, half-width ≈ 0.1494 (Wilson, z = 1.96).
    const w = wilson(20, 40);
    expect(w.low).toBeCloseTo(0.3519, 3);
    expect(w.high).toBeCloseTo(0.6481, 3);
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(0, 10).high).toBeCloseTo(0.2775, 3);
    expect(wilson(10, 10).high).toBe(1);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });
  it("narrows as n grows", () => {
    const a = wilson(5, 10);
    const b = wilson(500, 1000);
    expect(b.high - b.low).toBeLessThan((a.high - a.low) / 5);
  });
});

describe("series", () => {
  const curve = [pt("rices", 0, 0.5), pt("random", 4, 0.7), pt("random", 0, 0.5), pt("random", 1, 0.6), pt("rices", 4, 0.9)];

  it("one line per selection, points sorted by shots, fixed order random → balanced → RICES", () => {
    const s = buildSeries([{ label: "A", curve }]);
    expect(s.map((x) => x.key)).toEqual(["0:random", "0:rices"]);
    expect(s[0]!.points.map((p) => p.shots)).toEqual([0, 1, 4]);
    expect(s[0]!.label).toBe("Random");
    expect(s[1]!.label).toBe("RICES");
    expect(s[0]!.color).not.toBe(s[1]!.color);
    expect(s[0]!.dash).toBeUndefined();
  });

  it("an overlaid sweep keeps the selection's colour but is dashed, square-marked and labelled with its sweep", () => {
    const s = buildSeries([
      { label: "Template A", curve },
      { label: "Template B", curve: [pt("random", 0, 0.4), pt("random", 8, 0.8)] },
    ]);
    const b = s.find((x) => x.source === 1)!;
    const a = s.find((x) => x.source === 0 && x.selection === "random")!;
    expect(b.label).toBe("Template B · Random");
    expect(a.label).toBe("Template A · Random");
    expect(b.color).toBe(a.color);
    expect(b.dash).toBeDefined();
    expect(b.marker).toBe("square");
  });

  it("skips empty points (n = 0) and empty curves", () => {
    expect(buildSeries([{ label: "A", curve: [{ ...pt("random", 0, 0), n: 0 }] }])).toEqual([]);
  });

  it("the axis is the union of configured and measured shot counts, ascending", () => {
    const s = buildSeries([{ label: "A", curve }]);
    expect(shotAxis(s, [0, 1, 2, 4, 8])).toEqual([0, 1, 2, 4, 8]);
    expect(shotAxis(s)).toEqual([0, 1, 4]);
  });

  it("describes each line for screen readers with the change in points", () => {
    const [random] = buildSeries([{ label: "A", curve }]);
    expect(describeSeries(random!)).toBe("Random: 50.0% at 0 shots → 70.0% at 4 shots (+20.0 points)");
  });

  it("chance of a k-way task", () => {
    expect(chance(2)).toBe(0.5);
    expect(chance(1)).toBeUndefined();
  });
});

describe("layout", () => {
  const shots = [0, 1, 2, 4, 8, 16, 32];
  const layout = layoutChart(700, 300, shots, { top: 10, right: 10, bottom: 40, left: 50 });

  it("spaces shot counts evenly (log-ish), inside the plot, in order", () => {
    const xs = shots.map(layout.x);
    const steps = xs.slice(1).map((x, i) => x - xs[i]!);
    for (const d of steps) expect(d).toBeCloseTo(steps[0]!, 6);
    expect(xs[0]).toBeGreaterThan(50);
    expect(xs[xs.length - 1]).toBeLessThan(690);
    expect(Number.isNaN(layout.x(3))).toBe(true);
  });

  it("maps accuracy 0 → bottom and 1 → top, clamping out-of-range values", () => {
    expect(layout.y(0)).toBe(260);
    expect(layout.y(1)).toBe(10);
    expect(layout.y(0.5)).toBe(135);
    expect(layout.y(1.5)).toBe(10);
    expect(layout.y(Number.NaN)).toBe(260);
  });

  it("a single shot count sits in the middle", () => {
    const one = layoutChart(200, 100, [4], { top: 0, right: 0, bottom: 0, left: 0 });
    expect(one.x(4)).toBe(100);
  });

  it("draws the line through accuracies and the band as upper bounds forward, lower bounds back", () => {
    const l = layoutChart(100, 100, [0, 1], { top: 0, right: 0, bottom: 0, left: 0 });
    const pts = [
      { shots: 0, n: 10, accuracy: 0.5, low: 0.25, high: 0.75 },
      { shots: 1, n: 10, accuracy: 1, low: 0.8, high: 1 },
    ];
    // inset = 100 / 1 / 5 = 20: x(0) = 20, x(1) = 80.
    expect(linePath(pts, l)).toBe("M20,50L80,0");
    expect(bandPath(pts, l)).toBe("M20,25L80,0L80,20L20,75Z");
    expect(bandPath([], l)).toBe("");
    expect(bandPath(pts.slice(0, 1), l)).toMatch(/^M16,25L24,25L24,75L16,75Z$/);
  });

  it("y ticks: every 10% when tall, every 25% when short", () => {
    expect(yTicks(250)).toHaveLength(11);
    expect(yTicks(150)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});

describe("hover and keyboard focus", () => {
  const shots = [0, 1, 2, 4, 8];
  const layout = layoutChart(500, 200, shots, { top: 0, right: 0, bottom: 0, left: 0 });

  it("the pointer picks the nearest shot count", () => {
    expect(nearestShot(0, layout)).toBe(0);
    expect(nearestShot(layout.x(4) + 3, layout)).toBe(4);
    expect(nearestShot(10_000, layout)).toBe(8);
  });

  it("arrows step, Home/End jump, other keys keep the focus", () => {
    expect(stepShot(undefined, "ArrowRight", shots)).toBe(0);
    expect(stepShot(undefined, "ArrowLeft", shots)).toBe(0);
    expect(stepShot(2, "ArrowRight", shots)).toBe(4);
    expect(stepShot(8, "ArrowRight", shots)).toBe(8);
    expect(stepShot(1, "ArrowLeft", shots)).toBe(0);
    expect(stepShot(2, "End", shots)).toBe(8);
    expect(stepShot(2, "Home", shots)).toBe(0);
    expect(stepShot(2, "a", shots)).toBe(2);
    expect(stepShot(undefined, "End", [])).toBeUndefined();
  });

  it("the tooltip lists each visible line's point at the focused shot count", () => {
    const series = buildSeries([{ label: "A", curve: [pt("random", 0, 0.5), pt("random", 2, 0.6), pt("balanced", 2, 0.7)] }]);
    expect(pointsAt(series, 2).map((r) => [r.series.selection, r.point.accuracy])).toEqual([
      ["random", 0.6],
      ["balanced", 0.7],
    ]);
    expect(pointsAt(series, 0)).toHaveLength(1);
  });
});
