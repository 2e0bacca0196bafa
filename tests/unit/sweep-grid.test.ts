import { describe, expect, it } from "vitest";
import { buildRows, columnSummaries, evaluationItems, filterRows, indexResults, sliceOptions, type GridItem } from "@/lib/sweeps/client/grid";
import { formatDuration, formatEta, formatHitRate, hitRate, progressFraction, statFigures } from "@/lib/sweeps/client/format";
import type { SweepCellResult } from "@/lib/sweeps/types";

const item = (id: string, position: number, split: GridItem["split"] = "eval"): GridItem => ({ id, position, split, assetId: `a-${id}`, question: null, answer: "dax" });

let n = 0;
const cell = (itemId: string, shots: number, correct: boolean, over: Partial<SweepCellResult> = {}): SweepCellResult => ({
  id: `r${n++}`,
  itemId,
  shots,
  seed: 0,
  selection: "random",
  output: correct ? "dax" : "blicket",
  correct,
  score: -1,
  demoItemIds: [],
  ms: 5,
  ...over,
});

describe("grid rows", () => {
  const items = [item("p1", 0, "pool"), item("e2", 2), item("e1", 1), item("e3", 3), item("p2", 4, "pool")];

  it("takes the first `queries` eval items in dataset order, plus any item a result names", () => {
    expect(evaluationItems(items, 2, []).map((i) => i.id)).toEqual(["e1", "e2"]);
    expect(evaluationItems(items, 1, [cell("e3", 0, true)]).map((i) => i.id)).toEqual(["e1", "e3"]);
    expect(evaluationItems(items, 0, []).map((i) => i.id)).toEqual([]);
  });

  it("places each result in its (item, shots) cell of the chosen (selection, seed) slice", () => {
    const results = [cell("e1", 0, false), cell("e1", 4, true), cell("e1", 4, false, { seed: 1 }), cell("e2", 0, true, { selection: "rices" })];
    const rows = buildRows(evaluationItems(items, 2, []), indexResults(results), [0, 1, 4], { selection: "random", seed: 0 });
    expect(rows.map((r) => r.cells.map((c) => c?.correct ?? null))).toEqual([
      [false, null, true],
      [null, null, null],
    ]);
    const seed1 = buildRows(evaluationItems(items, 2, []), indexResults(results), [0, 1, 4], { selection: "random", seed: 1 });
    expect(seed1[0]!.cells[2]?.correct).toBe(false);
  });

  it("filters: changed with shots, wrong / right at the most shots run so far", () => {
    const results = [cell("e1", 0, false), cell("e1", 4, true), cell("e2", 0, true), cell("e2", 4, true), cell("e3", 0, true), cell("e3", 4, false)];
    const rows = buildRows(evaluationItems(items, 3, []), indexResults(results), [0, 4], { selection: "random", seed: 0 });
    expect(filterRows(rows, "all")).toHaveLength(3);
    expect(filterRows(rows, "changed").map((r) => r.item.id)).toEqual(["e1", "e3"]);
    expect(filterRows(rows, "wrong").map((r) => r.item.id)).toEqual(["e3"]);
    expect(filterRows(rows, "right").map((r) => r.item.id)).toEqual(["e1", "e2"]);
  });

  it("column summaries count finished and correct cells", () => {
    const rows = buildRows(evaluationItems(items, 3, []), indexResults([cell("e1", 0, true), cell("e2", 0, false)]), [0, 4], { selection: "random", seed: 0 });
    expect(columnSummaries(rows, [0, 4])).toEqual([
      { shots: 0, done: 2, correct: 1 },
      { shots: 4, done: 0, correct: 0 },
    ]);
  });

  it("slice options: every selection × seed, RICES (deterministic) at seed 0 only", () => {
    expect(sliceOptions(["random", "rices", "balanced"], 2)).toEqual([
      { selection: "random", seed: 0 },
      { selection: "random", seed: 1 },
      { selection: "rices", seed: 0 },
      { selection: "balanced", seed: 0 },
      { selection: "balanced", seed: 1 },
    ]);
  });
});

describe("progress words", () => {
  it("durations", () => {
    expect(formatDuration(420)).toBe("420 ms");
    expect(formatDuration(4240)).toBe("4.2 s");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(200_000)).toBe("3 min 20 s");
    expect(formatDuration(3_900_000)).toBe("1 h 05 min");
    expect(formatDuration(null)).toBe("—");
  });
  it("ETA only while active", () => {
    expect(formatEta(200, "running")).toBe("about 3 min 20 s left");
    expect(formatEta(null, "queued")).toBe("estimating…");
    expect(formatEta(10, "done")).toBe("");
  });
  it("progress and hit rates", () => {
    expect(progressFraction(5, 10)).toBe(0.5);
    expect(progressFraction(0, 0)).toBe(0);
    expect(formatHitRate(hitRate(870, 1000))).toBe("87.0% (870 / 1,000)");
    expect(formatHitRate(hitRate(0, 0))).toBe("—");
    const figs = statFigures({ visualCacheHits: 9, visualCacheLookups: 10, prefixCacheHits: 1, prefixCacheLookups: 4, modelMs: 4000, wallMs: 6000 }, 8);
    expect(figs.find((f) => f.testId === "stat-per-cell")?.value).toBe("500 ms");
    expect(figs.find((f) => f.testId === "stat-prefix-cache")?.value).toBe("25.0% (1 / 4)");
  });
});
