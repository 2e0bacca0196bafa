import { describe, expect, it } from "vitest";
import { barWidth, defaultCandidates, parseCandidates, scoreRows, toGenerateParams, DEFAULT_SETTINGS } from "@/components/run/options";
import { splitEvents } from "@/lib/backends/browser/sse";
import { GenerateParamsSchema } from "@/lib/runtime/requests";

describe("run settings -> generate params", () => {
  it("greedy sends only the limits, and passes the runtime's schema", () => {
    const p = toGenerateParams({ ...DEFAULT_SETTINGS, trace: false });
    expect(p).toEqual({ maxTokens: 20 });
    expect(GenerateParamsSchema.safeParse(p).success).toBe(true);
  });
  it("sampling sends temperature, top-p and seed; beam sends 3 beams; stop strings one per line", () => {
    const s = toGenerateParams({ ...DEFAULT_SETTINGS, mode: "sampling", temperature: 9, topP: 0, seed: 7.4, stop: "\n.\n\nEnd  \n", minTokens: 50 });
    expect(s).toEqual({ maxTokens: 20, minTokens: 20, temperature: 5, topP: 0.01, seed: 7, stop: [".", "End"], trace: true });
    expect(GenerateParamsSchema.safeParse(s).success).toBe(true);
    const b = toGenerateParams({ ...DEFAULT_SETTINGS, mode: "beam", temperature: 1 });
    expect(b).toEqual({ maxTokens: 20, numBeams: 3, trace: true });
  });
  it("an empty number field falls back to a sane value", () => {
    expect(toGenerateParams({ ...DEFAULT_SETTINGS, maxTokens: Number.NaN, trace: false }).maxTokens).toBe(20);
  });
});

describe("rank mode helpers", () => {
  const shots = (answers: string[]) => answers.map((answer) => ({ answer, blocks: [{ type: "text" as const, text: "Output:" }] }));
  it("prefills the shots' distinct answers for closed-ended templates only", () => {
    expect(defaultCandidates({ tags: ["classification"], shots: shots(["dax", "blicket", "dax", "blicket"]) })).toBe("dax\nblicket");
    expect(defaultCandidates({ tags: [], shots: shots(["yes", "no", "yes"]) })).toBe("yes\nno");
    expect(defaultCandidates({ tags: ["captioning"], shots: shots(["A cat.", "A car."]) })).toBe("");
  });
  it("parses one candidate per line, each once", () => {
    expect(parseCandidates("dax\n\nblicket\r\ndax\n ")).toEqual(["dax", "blicket"]);
  });
  it("marks the best sum, shares sum to 1, bars longest for the best", () => {
    const rows = scoreRows([
      { candidate: "dax", sum: -1, mean: -0.5, tokenIds: [1, 2] },
      { candidate: "blicket", sum: -3, mean: -1, tokenIds: [3, 4, 5] },
    ]);
    expect(rows.map((r) => r.best)).toEqual([true, false]);
    expect(rows[0]!.share + rows[1]!.share).toBeCloseTo(1, 10);
    expect(rows[0]!.share).toBeCloseTo(1 / (1 + Math.exp(-2)), 10);
    expect(barWidth(-1, [-1, -3])).toBeGreaterThan(barWidth(-3, [-1, -3]));
    expect(barWidth(-3, [-1, -3])).toBeGreaterThan(0);
  });
});

describe("server-sent events", () => {
  it("splits complete events and keeps the rest", () => {
    const { events, rest } = splitEvents('event: token\ndata: {"index":0}\n\nevent: done\ndata: {"text":"a"}\n\nevent: tok');
    expect(events).toEqual([
      { event: "token", data: '{"index":0}' },
      { event: "done", data: '{"text":"a"}' },
    ]);
    expect(rest).toBe("event: tok");
  });
  it("joins multi-line data and ignores comments", () => {
    expect(splitEvents(": ping\n\ndata: a\ndata: b\n\n").events).toEqual([{ event: "message", data: "a\nb" }]);
  });
});
