import { describe, expect, it } from "vitest";
import {
  agreementOf,
  buildCompareRows,
  buildRows,
  cellState,
  columnSummaries,
  compareSummaries,
  engineProgress,
  evaluationItems,
  filterCompareRows,
  filterRows,
  indexResults,
  buildSourceRows,
  planHas,
  sliceOptions,
  unionShots,
  unionSlices,
  type GridItem,
} from "@/lib/sweeps/client/grid";
import { cellsPerMinute, formatDuration, formatEta, formatHitRate, formatThroughput, formatTokens, hitRate, progressFraction, statFigures } from "@/lib/sweeps/client/format";
import type { SweepCellResult, SweepStats } from "@/lib/sweeps/types";

const item = (id: string, position: number, split: GridItem["split"] = "eval"): GridItem => ({ id, position, split, assetId: `a-${id}`, question: null, answer: "dax" });

let n = 0;
const cell = (itemId: string, shots: number, correct: boolean, over: Partial<SweepCellResult> = {}): SweepCellResult => ({
  id: `r${n++}`,
  engine: "",
  itemId,
  shots,
  seed: 0,
  selection: "random",
  output: correct ? "dax" : "blicket",
  correct,
  score: -1,
  demoItemIds: [],
  ms: 5,
  error: null,
  promptTokens: null,
  completionTokens: null,
  ...over,
});
const failed = (itemId: string, shots: number, over: Partial<SweepCellResult> = {}) => cell(itemId, shots, false, { output: "", error: "HTTP 503 after 3 attempts", ...over });

const STATS: SweepStats = { visualCacheHits: 0, visualCacheLookups: 0, prefixCacheHits: 0, prefixCacheLookups: 0, modelMs: 0, wallMs: 0, promptTokens: 0, completionTokens: 0, retries: 0, failedCells: 0 };

describe("grid rows", () => {
  const items = [item("p1", 0, "pool"), item("e2", 2), item("e1", 1), item("e3", 3), item("p2", 4, "pool")];

  it("takes the first `queries` eval items in dataset order, plus any item a result names", () => {
    expect(evaluationItems(items, 2, []).map((i) => i.id)).toEqual(["e1", "e2"]);
    expect(evaluationItems(items, 1, [cell("e3", 0, true)]).map((i) => i.id)).toEqual(["e1", "e3"]);
    expect(evaluationItems(items, 0, []).map((i) => i.id)).toEqual([]);
  });

  it("places each result in its (item, shots) cell of the chosen (selection, seed) slice", () => {
    const results = [cell("e1", 0, false), cell("e1", 4, true), cell("e1", 4, false, { seed: 1 }), cell("e2", 0, true, { selection: "rices" })];
    const rows = buildRows(evaluationItems(items, 2, []), indexResults(results), [0, 1, 4], { engine: "", selection: "random", seed: 0 });
    expect(rows.map((r) => r.cells.map((c) => c?.correct ?? null))).toEqual([
      [false, null, true],
      [null, null, null],
    ]);
    const seed1 = buildRows(evaluationItems(items, 2, []), indexResults(results), [0, 1, 4], { engine: "", selection: "random", seed: 1 });
    expect(seed1[0]!.cells[2]?.correct).toBe(false);
  });

  it("filters: changed with shots, wrong / right at the most shots run so far", () => {
    const results = [cell("e1", 0, false), cell("e1", 4, true), cell("e2", 0, true), cell("e2", 4, true), cell("e3", 0, true), cell("e3", 4, false)];
    const rows = buildRows(evaluationItems(items, 3, []), indexResults(results), [0, 4], { engine: "", selection: "random", seed: 0 });
    expect(filterRows(rows, "all")).toHaveLength(3);
    expect(filterRows(rows, "changed").map((r) => r.item.id)).toEqual(["e1", "e3"]);
    expect(filterRows(rows, "wrong").map((r) => r.item.id)).toEqual(["e3"]);
    expect(filterRows(rows, "right").map((r) => r.item.id)).toEqual(["e1", "e2"]);
  });

  it("column summaries count finished and correct cells", () => {
    const rows = buildRows(evaluationItems(items, 3, []), indexResults([cell("e1", 0, true), cell("e2", 0, false)]), [0, 4], { engine: "", selection: "random", seed: 0 });
    expect(columnSummaries(rows, [0, 4])).toEqual([
      { shots: 0, done: 2, correct: 1, failed: 0 },
      { shots: 4, done: 0, correct: 0, failed: 0 },
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
    const figs = statFigures({ ...STATS, visualCacheHits: 9, visualCacheLookups: 10, prefixCacheHits: 1, prefixCacheLookups: 4, modelMs: 4000, wallMs: 6000 }, 8);
    expect(figs.find((f) => f.testId === "stat-per-cell")?.value).toBe("500 ms");
    expect(figs.find((f) => f.testId === "stat-prefix-cache")?.value).toBe("25.0% (1 / 4)");
  });
});

describe("engines and failed cells in the grid", () => {
  const items = [item("e1", 0), item("e2", 1), item("e3", 2)];
  const A = "flamingo-mini";
  const B = "eng_qwen";

  it("a failed cell is its own state, distinct from pending and from wrong", () => {
    expect(cellState(undefined)).toBe("pending");
    expect(cellState(failed("e1", 0))).toBe("failed");
    expect(cellState(cell("e1", 0, false))).toBe("wrong");
    expect(cellState(cell("e1", 0, true))).toBe("correct");
  });

  it("the engine of the slice picks that engine's cells", () => {
    const index = indexResults([cell("e1", 0, true, { engine: A }), cell("e1", 0, false, { engine: B })]);
    expect(buildRows(items, index, [0], { engine: A, selection: "random", seed: 0 })[0]!.cells[0]?.correct).toBe(true);
    expect(buildRows(items, index, [0], { engine: B, selection: "random", seed: 0 })[0]!.cells[0]?.correct).toBe(false);
    expect(buildRows(items, index, [0], { engine: "", selection: "random", seed: 0 })[0]!.cells[0]).toBeUndefined();
  });

  it("failed cells are left out of a column's accuracy and counted apart", () => {
    const rows = buildRows(items, indexResults([cell("e1", 0, true), cell("e2", 0, false), failed("e3", 0)]), [0], { engine: "", selection: "random", seed: 0 });
    expect(columnSummaries(rows, [0])).toEqual([{ shots: 0, done: 2, correct: 1, failed: 1 }]);
  });

  it("filters look only at cells that ran: a failed cell at the most shots is not 'wrong'", () => {
    const rows = buildRows(items, indexResults([cell("e1", 0, true), failed("e1", 4), failed("e2", 0), failed("e2", 4)]), [0, 4], { engine: "", selection: "random", seed: 0 });
    expect(filterRows(rows, "wrong")).toEqual([]);
    expect(filterRows(rows, "right").map((r) => r.item.id)).toEqual(["e1"]);
    expect(filterRows(rows, "changed")).toEqual([]);
  });

  it("agreement: one right and one wrong disagree; same correctness with other outputs differ; failed cells do not count", () => {
    expect(agreementOf([cell("e1", 0, true), cell("e1", 0, false)])).toBe("disagree");
    expect(agreementOf([cell("e1", 0, false, { output: "blicket" }), cell("e1", 0, false, { output: "wug" })])).toBe("differ");
    expect(agreementOf([cell("e1", 0, true, { output: "dax" }), cell("e1", 0, true, { output: " Dax " })])).toBe("agree");
    expect(agreementOf([cell("e1", 0, true), undefined])).toBe("pending");
    expect(agreementOf([cell("e1", 0, true), failed("e1", 0)])).toBe("pending");
    expect(agreementOf([cell("e1", 0, true), failed("e1", 0), cell("e1", 0, false)])).toBe("disagree");
  });

  it("compare rows: per item and shot count, each engine's cell in engine order, with their agreement", () => {
    const results = [
      cell("e1", 0, true, { engine: A }),
      cell("e1", 0, false, { engine: B }),
      cell("e1", 4, true, { engine: A }),
      cell("e1", 4, true, { engine: B }),
      cell("e2", 0, true, { engine: A }),
      failed("e2", 0, { engine: B }),
      cell("e1", 0, true, { engine: B, seed: 1 }),
    ];
    const rows = buildCompareRows(items, indexResults(results), [0, 4], { selection: "random", seed: 0 }, [A, B]);
    expect(rows.map((r) => r.cells.map((c) => [c.shots, c.agreement, c.cells.map(cellState)]))).toEqual([
      [
        [0, "disagree", ["correct", "wrong"]],
        [4, "agree", ["correct", "correct"]],
      ],
      [
        [0, "pending", ["correct", "failed"]],
        [4, "pending", ["pending", "pending"]],
      ],
      [
        [0, "pending", ["pending", "pending"]],
        [4, "pending", ["pending", "pending"]],
      ],
    ]);
    expect(filterCompareRows(rows, "disagree").map((r) => r.item.id)).toEqual(["e1"]);
    expect(filterCompareRows(rows, "all")).toHaveLength(3);
    expect(compareSummaries(rows, [0, 4], 2)).toEqual([
      {
        shots: 0,
        engines: [
          { shots: 0, done: 2, correct: 2, failed: 0 },
          { shots: 0, done: 1, correct: 0, failed: 1 },
        ],
        disagreements: 1,
      },
      {
        shots: 4,
        engines: [
          { shots: 4, done: 1, correct: 1, failed: 0 },
          { shots: 4, done: 1, correct: 1, failed: 0 },
        ],
        disagreements: 0,
      },
    ]);
  });

  it("'different outputs' also finds items where both engines were wrong in different ways", () => {
    const results = [cell("e1", 0, false, { engine: A, output: "wug" }), cell("e1", 0, false, { engine: B, output: "fep" }), cell("e2", 0, true, { engine: A }), cell("e2", 0, false, { engine: B })];
    const rows = buildCompareRows(items, indexResults(results), [0], { selection: "random", seed: 0 }, [A, B]);
    expect(filterCompareRows(rows, "differ").map((r) => r.item.id)).toEqual(["e1", "e2"]);
    expect(filterCompareRows(rows, "disagree").map((r) => r.item.id)).toEqual(["e2"]);
  });

  it("per-engine progress: done (failed included), failed, correct; configured engines first, even without results", () => {
    const results = [cell("e1", 0, true, { engine: A }), cell("e2", 0, false, { engine: A }), failed("e1", 0, { engine: B }), cell("e1", 0, true, { engine: "other" })];
    expect(engineProgress(results, [A, B, "eng_none"])).toEqual([
      { engine: A, done: 2, failed: 0, correct: 1 },
      { engine: B, done: 1, failed: 1, correct: 0 },
      { engine: "eng_none", done: 0, failed: 0, correct: 0 },
      { engine: "other", done: 1, failed: 0, correct: 1 },
    ]);
  });
});

describe("throughput, tokens and retries", () => {
  it("cells per minute of wall time", () => {
    expect(cellsPerMinute(120, 60_000)).toBe(120);
    expect(cellsPerMinute(0, 60_000)).toBeUndefined();
    expect(cellsPerMinute(10, 0)).toBeUndefined();
    expect(formatThroughput(cellsPerMinute(15, 120_000))).toBe("7.5 cells/min");
    expect(formatThroughput(1234.4)).toBe("1,234 cells/min");
    expect(formatThroughput(undefined)).toBe("—");
  });
  it("tokens as prompt · completion, nothing reported: —", () => {
    expect(formatTokens(12_345, 678)).toBe("12,345 prompt · 678 completion");
    expect(formatTokens(0, 0)).toBe("—");
  });
  it("the stats list them with their test ids", () => {
    const figs = statFigures({ ...STATS, wallMs: 120_000, promptTokens: 5000, completionTokens: 40, retries: 3, failedCells: 2 }, 60);
    const value = (id: string) => figs.find((f) => f.testId === id)?.value;
    expect(value("stat-throughput")).toBe("30 cells/min");
    expect(value("stat-tokens")).toBe("5,000 prompt · 40 completion");
    expect(value("stat-retries")).toBe("3");
  });
});

describe("both sweeps side by side", () => {
  const items = [item("i1", 0), item("i2", 1)];
  const mine = indexResults([cell("i1", 0, true), cell("i1", 1, false), cell("i2", 0, false)]);
  const theirs = indexResults([cell("i1", 0, true, { output: "dax" }), cell("i1", 2, true), cell("i2", 0, true, { selection: "random" })]);
  const mineHas = planHas({ shots: [0, 1], selections: ["random"], seeds: 1 }, ["i1", "i2"]);
  const theirsHas = planHas({ shots: [0, 2], selections: ["random", "balanced"], seeds: 1 }, ["i1", "i2"]);
  const shots = unionShots([0, 1], [0, 2]);

  it("columns are every shot count of either sweep; a cell outside a sweep's plan is absent, not pending", () => {
    expect(shots).toEqual([0, 1, 2]);
    const rows = buildSourceRows(items, shots, { selection: "random", seed: 0 }, [
      { index: mine, engine: "", has: mineHas },
      { index: theirs, engine: "", has: theirsHas },
    ]);
    const [zero, one, two] = rows[0]!.cells;
    expect(zero!.cells.map((c) => c?.correct)).toEqual([true, true]);
    expect(zero!.agreement).toBe("agree");
    expect(zero!.absent).toBeUndefined();
    expect(one!.absent).toEqual([false, true]);
    expect(one!.cells[1]).toBeUndefined();
    expect(two!.absent).toEqual([true, false]);
    expect(rows[1]!.cells[0]!.agreement).toBe("disagree");
    // Summaries count per sweep over the cells that ran.
    const heads = compareSummaries(rows, shots, 2);
    expect(heads[0]!.engines.map((e) => [e.done, e.correct])).toEqual([
      [2, 1],
      [2, 2],
    ]);
    expect(heads[0]!.disagreements).toBe(1);
  });

  it("a plan holds its shots, selections, seeds (RICES: seed 0) and evaluated items", () => {
    const has = planHas({ shots: [0, 4], selections: ["random", "rices"], seeds: 2 }, ["i1"]);
    expect(has("i1", 4, { selection: "random", seed: 1 })).toBe(true);
    expect(has("i1", 4, { selection: "random", seed: 2 })).toBe(false);
    expect(has("i1", 4, { selection: "rices", seed: 1 })).toBe(false);
    expect(has("i1", 2, { selection: "random", seed: 0 })).toBe(false);
    expect(has("i2", 4, { selection: "random", seed: 0 })).toBe(false);
    expect(has("i1", 0, { selection: "balanced", seed: 0 })).toBe(false);
  });

  it("slices of both sweeps, each once, the page's first", () => {
    expect(unionSlices({ selections: ["random"], seeds: 2 }, { selections: ["balanced", "random"], seeds: 1 })).toEqual([
      { selection: "random", seed: 0 },
      { selection: "random", seed: 1 },
      { selection: "balanced", seed: 0 },
    ]);
  });
});
