import { describe, expect, it } from "vitest";
import {
  bandPath,
  buildSeries,
  lineGroups,
  chance,
  describeSeries,
  hasSeveralEngines,
  layoutChart,
  linePath,
  markerPath,
  nearestShot,
  pointsAt,
  SELECTION_COLORS,
  shotAxis,
  stepShot,
  wilson,
  yTicks,
} from "@/lib/sweeps/client/chart";
import { ENGINE_COLORS, engineColor, engineName } from "@/lib/sweeps/client/engines";
import { sweepLabels } from "@/lib/sweeps/client/labels";
import type { SweepConfig, SweepCurvePoint } from "@/lib/sweeps/types";

const pt = (selection: SweepCurvePoint["selection"], shots: number, accuracy: number, n = 40, engine = "flamingo-mini"): SweepCurvePoint => {
  const { low, high } = wilson(Math.round(accuracy * n), n);
  return { engine, selection, shots, n, accuracy, low, high };
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

  it("an overlaid sweep gets a colour of its own (never the one under it), dashed, outlined and labelled with its sweep", () => {
    const s = buildSeries([
      { label: "Template A", curve },
      { label: "Template B", curve: [pt("random", 0, 0.4), pt("random", 8, 0.8)] },
    ]);
    const b = s.find((x) => x.source === 1)!;
    const a = s.find((x) => x.source === 0 && x.selection === "random")!;
    expect(b.label).toBe("Template B · Random");
    expect(a.label).toBe("Template A · Random");
    expect(b.color).not.toBe(a.color);
    expect(a.color).toBe(engineColor(0));
    expect(b.color).toBe(engineColor(1));
    // One colour per sweep: its selections differ by marker.
    expect(s.find((x) => x.source === 0 && x.selection === "rices")!.color).toBe(a.color);
    expect(s.find((x) => x.source === 0 && x.selection === "rices")!.marker).toBe("triangle");
    expect(b.dash).toBeDefined();
    expect(b.hollow).toBe(true);
    expect(b.marker).toBe("circle");
    expect(lineGroups([{ label: "A", curve }, { label: "B", curve: [pt("random", 0, 0.4)] }])).toEqual([
      { source: 0, engine: "flamingo-mini", color: engineColor(0) },
      { source: 1, engine: "flamingo-mini", color: engineColor(1) },
    ]);
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

describe("engines on the chart", () => {
  const QWEN = "eng_qwen";
  const names = new Map([
    ["flamingo-mini", "flamingo-mini"],
    [QWEN, "Qwen2.5-VL on gpu-1"],
  ]);
  const curve = [
    pt("random", 0, 0.5),
    pt("random", 4, 0.8),
    pt("rices", 4, 0.9),
    pt("random", 0, 0.6, 40, QWEN),
    pt("random", 4, 0.7, 40, QWEN),
    pt("rices", 4, 0.75, 40, QWEN),
  ];
  const two = { label: "A", curve, engines: ["flamingo-mini", QWEN], model: "flamingo-mini" };

  it("one line per engine × selection, in the configured engine order, labelled with the engine's name", () => {
    const s = buildSeries([two], names);
    expect(s.map((x) => x.key)).toEqual(["0:flamingo-mini:random", "0:flamingo-mini:rices", `0:${QWEN}:random`, `0:${QWEN}:rices`]);
    expect(s.map((x) => x.label)).toEqual(["flamingo-mini · Random", "flamingo-mini · RICES", "Qwen2.5-VL on gpu-1 · Random", "Qwen2.5-VL on gpu-1 · RICES"]);
    expect(s.map((x) => x.engine)).toEqual(["flamingo-mini", "flamingo-mini", QWEN, QWEN]);
    expect(s[2]!.points.map((p) => [p.shots, p.accuracy])).toEqual([
      [0, 0.6],
      [4, 0.7],
    ]);
    expect(hasSeveralEngines(s)).toBe(true);
  });

  it("each engine has its own colour (shared by its selections); the selections differ by marker shape", () => {
    const s = buildSeries([two], names);
    const colour = (engine: string, selection: string) => s.find((x) => x.engine === engine && x.selection === selection)!.color;
    expect(colour("flamingo-mini", "random")).toBe(colour("flamingo-mini", "rices"));
    expect(colour(QWEN, "random")).toBe(colour(QWEN, "rices"));
    expect(colour("flamingo-mini", "random")).not.toBe(colour(QWEN, "random"));
    expect(s.find((x) => x.selection === "random")!.marker).not.toBe(s.find((x) => x.selection === "rices")!.marker);
    expect(s.every((x) => x.dash === undefined && !x.hollow)).toBe(true);
  });

  it("the engine palette is colour-blind-safe Okabe–Ito, every colour distinct, repeating past its end", () => {
    expect(new Set(ENGINE_COLORS.map((c) => c.toLowerCase())).size).toBe(ENGINE_COLORS.length);
    expect(ENGINE_COLORS.slice(0, 3)).toEqual(["#0072B2", "#D55E00", "#009E73"]);
    expect(engineColor(ENGINE_COLORS.length)).toBe(engineColor(0));
    const many = Array.from({ length: 7 }, (_, i) => `e${i}`);
    const s = buildSeries([{ label: "A", curve: many.map((e) => pt("random", 0, 0.5, 10, e)), engines: many }]);
    expect(new Set(s.map((x) => x.color)).size).toBe(7);
  });

  it("an engine that has no results yet still makes the sweep a multi-engine one (its lines are named)", () => {
    const s = buildSeries([{ label: "A", curve: [pt("random", 0, 0.5)], engines: ["flamingo-mini", QWEN] }], names);
    expect(s.map((x) => [x.key, x.label])).toEqual([["0:flamingo-mini:random", "flamingo-mini · Random"]]);
  });

  it("names fall back to the id, and \"\" (sweeps made before engines) to the sweep's model", () => {
    expect(engineName(QWEN, new Map(), "flamingo-mini")).toBe(QWEN);
    expect(engineName("", undefined, "flamingo-mini")).toBe("flamingo-mini");
    const s = buildSeries([{ label: "A", curve: [pt("random", 0, 0.5, 40, ""), pt("random", 0, 0.6, 40, QWEN)], engines: ["", QWEN], model: "flamingo-mini" }]);
    expect(s.map((x) => x.label)).toEqual(["flamingo-mini · Random", `${QWEN} · Random`]);
  });

  it("one engine keeps the colours per selection and the legacy keys (an old sweep's \"\" included)", () => {
    const s = buildSeries([{ label: "A", curve: [pt("random", 0, 0.5, 40, ""), pt("balanced", 0, 0.6, 40, "")], engines: [""], model: "flamingo-mini" }]);
    expect(s.map((x) => [x.key, x.label, x.color, x.engine])).toEqual([
      ["0:random", "Random", SELECTION_COLORS.random, "flamingo-mini"],
      ["0:balanced", "Balanced", SELECTION_COLORS.balanced, "flamingo-mini"],
    ]);
    expect(hasSeveralEngines(s)).toBe(false);
  });

  it("an overlay on another engine: coloured by engine, dashed with outlined markers, its sweep named", () => {
    const s = buildSeries(
      [
        { label: "flamingo-mini", curve: [pt("random", 0, 0.5)], engines: ["flamingo-mini"], model: "flamingo-mini" },
        { label: "Qwen2.5-VL on gpu-1", curve: [pt("random", 0, 0.7, 40, QWEN)], engines: [QWEN], model: "flamingo-mini" },
      ],
      names,
    );
    expect(s.map((x) => x.key)).toEqual(["0:random", "1:random"]);
    expect(s[1]!.label).toBe("Qwen2.5-VL on gpu-1 · Random");
    expect(s[0]!.color).toBe(engineColor(0));
    expect(s[1]!.color).toBe(engineColor(1));
    expect(s[1]!.dash).toBeDefined();
    expect(s[1]!.hollow).toBe(true);
  });

  it("the same engine in both sweeps gets a colour per sweep; an old sweep's \"\" is the bundled model", () => {
    const s = buildSeries(
      [
        { label: "new", curve: [pt("random", 0, 0.5), pt("random", 0, 0.6, 40, QWEN)], engines: ["flamingo-mini", QWEN], model: "flamingo-mini" },
        { label: "old", curve: [pt("random", 0, 0.4, 40, "")], engines: [""], model: "flamingo-mini" },
      ],
      names,
    );
    const old = s.find((x) => x.source === 1)!;
    expect(old.engine).toBe("flamingo-mini");
    expect(new Set(s.map((x) => x.color)).size).toBe(3);
    expect(old.color).toBe(engineColor(2));
    expect(old.label).toBe("old · Random");
    expect(s.find((x) => x.engine === QWEN)!.label).toBe("new · Qwen2.5-VL on gpu-1 · Random");
  });

  it("the tooltip's rows carry each line's engine", () => {
    const rows = pointsAt(buildSeries([two], names), 4);
    expect(rows.map((r) => [r.series.engineLabel, r.series.selection, r.point.accuracy])).toEqual([
      ["flamingo-mini", "random", 0.8],
      ["flamingo-mini", "rices", 0.9],
      ["Qwen2.5-VL on gpu-1", "random", 0.7],
      ["Qwen2.5-VL on gpu-1", "rices", 0.75],
    ]);
  });

  it("marker shapes are closed paths centred on the point", () => {
    expect(markerPath("square", 10, 10, 2)).toBe("M8,8H12V12H8Z");
    expect(markerPath("diamond", 10, 10, 2)).toMatch(/^M10,7\.4L12\.6,10L10,12\.6L7\.4,10Z$/);
    expect(markerPath("triangle", 10, 10, 2)).toMatch(/^M10,7\.3L.*Z$/);
  });

  it("overlay labels name the engines when the sweeps ran on different ones", () => {
    const config = (over: Partial<SweepConfig>): SweepConfig => ({
      templateId: "t1",
      templateVersion: 1,
      datasetId: "d",
      shots: [0],
      seeds: 1,
      selections: ["random"],
      backend: "server",
      engines: ["flamingo-mini"],
      mode: "rank",
      maxTokens: 16,
      queries: 10,
      model: "flamingo-mini",
      ...over,
    });
    const sweep = (name: string, over: Partial<SweepConfig>) => ({ name, templateName: "Cls", config: config(over), createdAt: "2026-01-01T00:00:00Z" });
    expect(sweepLabels([sweep("A", {}), sweep("B", { engines: [QWEN] })], names)).toEqual(["flamingo-mini", "Qwen2.5-VL on gpu-1"]);
    expect(sweepLabels([sweep("A", {}), sweep("B", { engines: ["flamingo-mini", QWEN] })], names)).toEqual(["flamingo-mini", "flamingo-mini + Qwen2.5-VL on gpu-1"]);
    // An old sweep ("" = its bundled model) and a new one on that model: the engines do not differ.
    expect(sweepLabels([sweep("A", { engines: [""] }), sweep("B", {})], names)).toEqual(["A", "B"]);
  });
});
