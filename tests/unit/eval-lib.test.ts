import { describe, expect, it } from "vitest";
import {
  candidatesFor,
  chunkTemplate,
  DEFAULT_FORMATS,
  demonstrationKeys,
  exactMatch,
  formatReport,
  meanCI,
  parseDataset,
  selectDemonstrations,
  tokenF1,
} from "@/lib/eval";
import { rankingOf, type Backend, type ScoreOutcome } from "@/lib/backends/contract";
import { evalFile } from "@/lib/sweeps/file-eval";
import { serializePrompt, type PromptSequence } from "@/lib/prompt/sequence";

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n");

describe("eval dataset parsing", () => {
  it("reads items, skipping blank lines", () => {
    const items = parseDataset(`${jsonl([{ image: "a.png", answer: "dax" }, { image: "b/c.png", question: "What?", answer: "wug", candidates: ["wug", "dax"] }])}\n\n`);
    expect(items).toEqual([
      { image: "a.png", answer: "dax" },
      { image: "b/c.png", question: "What?", answer: "wug", candidates: ["wug", "dax"] },
    ]);
  });

  it("names the line of a bad item", () => {
    expect(() => parseDataset(`${jsonl([{ image: "a.png", answer: "x" }])}\n{oops`, "d.jsonl")).toThrow(/d\.jsonl:2: not valid JSON/);
    expect(() => parseDataset(jsonl([{ image: "a.png" }]), "d.jsonl")).toThrow(/d\.jsonl:1: answer/);
    expect(() => parseDataset(jsonl([{ image: "a.png", answer: "x", extra: 1 }]))).toThrow(/:1:/);
    expect(() => parseDataset(jsonl([{ image: "/etc/a.png", answer: "x" }]))).toThrow(/relative path/);
    expect(() => parseDataset(jsonl([{ image: "a.png", answer: "x", candidates: ["y"] }]))).toThrow(/not among its candidates/);
    expect(() => parseDataset("\n")).toThrow(/no items/);
  });

  it("ranks an item's own candidates, else every answer in the file", () => {
    const items = parseDataset(jsonl([{ image: "a", answer: "dax" }, { image: "b", answer: "wug" }, { image: "c", answer: "dax", candidates: ["dax", "zup"] }]));
    expect(candidatesFor(items[0]!, items)).toEqual(["dax", "wug"]);
    expect(candidatesFor(items[2]!, items)).toEqual(["dax", "zup"]);
  });
});

describe("chunk templates", () => {
  it("lays out demonstrations and the query in the trained classification format", () => {
    const t = chunkTemplate(DEFAULT_FORMATS.classification);
    const prompt: PromptSequence = { parts: [...t.demo({ answer: "dax" }, "A"), ...t.demo({ answer: "blicket zup" }, "B"), ...t.query({}, "C")] };
    expect(serializePrompt(prompt)).toBe("<image>Output:dax<|endofchunk|>\n<image>Output:blicket zup<|endofchunk|>\n<image>Output:");
    expect(prompt.parts.filter((p) => p.type === "image").map((p) => (p.type === "image" ? p.assetId : ""))).toEqual(["A", "B", "C"]);
  });

  it("fills the question of VQA items and requires it", () => {
    const t = chunkTemplate(DEFAULT_FORMATS.vqa);
    expect(serializePrompt({ parts: [...t.demo({ question: "What color?", answer: "red" }, "A"), ...t.query({ question: "How many?" }, "B")] })).toBe(
      "<image>Question:What color? Short answer:red<|endofchunk|>\n<image>Question:How many? Short answer:",
    );
    expect(() => t.query({}, "B")).toThrow(/needs a question/);
    expect(() => chunkTemplate("<image>Output:")).toThrow(/placeholder/);
  });
});

describe("demonstration selection", () => {
  const answers = ["a", "a", "a", "a", "b", "b", "b", "b", "c", "c", "c", "c"];

  it("is seeded, never includes the query, and nests k-shot sets in 2k-shot sets", () => {
    const keys = demonstrationKeys(answers.length, 1);
    expect(demonstrationKeys(answers.length, 1)).toEqual(keys);
    expect(demonstrationKeys(answers.length, 2)).not.toEqual(keys);
    for (let q = 0; q < answers.length; q++) {
      const eight = selectDemonstrations(answers, 8, keys, { exclude: [q] });
      expect(eight).toHaveLength(8);
      expect(eight).not.toContain(q);
      expect(new Set(eight).size).toBe(8);
      expect(selectDemonstrations(answers, 4, keys, { exclude: [q] })).toEqual(eight.slice(0, 4));
    }
  });

  it("shares one demonstration set among the queries outside it", () => {
    const keys = demonstrationKeys(answers.length, 0);
    const sets = answers.map((_, q) => selectDemonstrations(answers, 3, keys, { exclude: [q] }).join());
    expect(new Set(sets).size).toBe(4); // the shared set, and one per query inside it
  });

  it("balances answers, spreading the remainder", () => {
    for (let seed = 0; seed < 5; seed++) {
      const keys = demonstrationKeys(answers.length, seed);
      const six = selectDemonstrations(answers, 6, keys, { balanced: true, exclude: [0] });
      expect(six.map((i) => answers[i]).sort()).toEqual(["a", "a", "b", "b", "c", "c"]);
      expect(six).not.toContain(0);
      const counts = new Map<string, number>();
      for (const i of selectDemonstrations(answers, 7, keys, { balanced: true })) counts.set(answers[i]!, (counts.get(answers[i]!) ?? 0) + 1);
      expect([...counts.values()].sort()).toEqual([2, 2, 3]);
    }
  });

  it("refuses more demonstrations than the file has besides the query", () => {
    const keys = demonstrationKeys(answers.length, 0);
    expect(() => selectDemonstrations(answers, 12, keys, { exclude: [0] })).toThrow(/only 11 items/);
    expect(() => selectDemonstrations(["a", "a", "a", "b"], 4, demonstrationKeys(4, 0), { balanced: true })).toThrow(/balanced needs 1 more demonstrations of "b"/);
    expect(selectDemonstrations(answers, 0, keys, { exclude: [0] })).toEqual([]);
  });
});

describe("metrics", () => {
  it("exact match trims whitespace only", () => {
    expect(exactMatch("  dax\n", "dax")).toBe(true);
    expect(exactMatch("Dax", "dax")).toBe(false);
  });

  it("token F1", () => {
    expect(tokenF1("two red circles", "two red circles")).toBe(1);
    expect(tokenF1("red", "two red circles")).toBeCloseTo(0.5);
    expect(tokenF1("Red!", "red")).toBe(1);
    expect(tokenF1("blue", "red")).toBe(0);
    expect(tokenF1("", "")).toBe(1);
  });

  it("mean with a 95% interval (normal approximation, as training/evaluate.py)", () => {
    const r = meanCI([1, 0, 1, 1]);
    expect(r.mean).toBe(0.75);
    expect(r.ci95).toBeCloseTo(1.96 * Math.sqrt((0.75 * 0.25) / 4));
    expect(r.n).toBe(4);
    expect(meanCI([]).n).toBe(0);
  });
});

describe("evalFile: npm run eval on the sweep engine", () => {
  const items = parseDataset(jsonl(["a", "b", "a", "b", "a", "b"].map((answer, i) => ({ image: `${i}.png`, answer }))));
  const ids = items.map((_, i) => `img${i}`);
  const queryOf = (prompt: PromptSequence) => {
    const last = [...prompt.parts].reverse().find((p) => p.type === "image");
    return Number(last?.type === "image" ? last.assetId.slice(3) : -1);
  };
  /** A stand-in model through the Backend contract: it "sees" the query image id and knows item i's answer; 0-shot it always says "a". */
  const oracle = (calls: string[], concurrency = 1): Backend => {
    const score = async (prompt: PromptSequence, candidates: readonly string[]): Promise<ScoreOutcome> => {
      calls.push(serializePrompt(prompt));
      const shots = prompt.parts.filter((p) => p.type === "image").length - 1;
      const truth = shots === 0 ? "a" : items[queryOf(prompt)]!.answer;
      const scores = candidates.map((c) => ({ candidate: c, tokenIds: [], tokenLogProbs: [], sum: c === truth ? 0 : -1, mean: c === truth ? 0 : -1 }));
      return { scores, ranking: rankingOf(scores), method: "prompt_logprobs", approximate: false, latencyMs: 1, usage: { promptTokens: 10, completionTokens: 1 } };
    };
    return {
      id: "oracle",
      kind: "openai",
      model: "oracle-1",
      capabilities: () => ({ streaming: false, rankMethods: ["prompt_logprobs"], maxImagesPerPrompt: null, maxConcurrency: concurrency, trace: false, beams: false }),
      score,
      scoreMany: (ps, cs) => Promise.all(ps.map((p, i) => score(p, cs[i]!))),
      async generate(prompt) {
        const text = ` ${items[queryOf(prompt)]!.answer} `;
        return { text, tokenIds: [], finishReason: "stop_token", usage: { promptTokens: 10, completionTokens: 2, images: 1 }, timings: { encodeMs: 0, prefillMs: 0, decodeMs: 0, tokensPerSecond: 0 }, executionProvider: "remote", engine: "oracle", model: "oracle-1", latencyMs: 1 };
      },
    };
  };
  const classification = () => chunkTemplate(DEFAULT_FORMATS.classification);

  it("ranks candidates per shot count over seeds × queries, and says how it ranked", async () => {
    const calls: string[] = [];
    const r = await evalFile(items, ids, oracle(calls), { shots: [0, 2], seeds: 2, mode: "rank", template: classification() });
    expect(r.results.map((s) => s.shots)).toEqual([0, 2]);
    expect(r.results[0]!.accuracy).toMatchObject({ mean: 0.5, n: 12 });
    expect(r.results[1]!.accuracy).toMatchObject({ mean: 1, n: 12 });
    expect(r.results[1]!.perSeed).toEqual([1, 1]);
    // The 0-shot prompt is the same for both seeds: asked once per query.
    expect(calls).toHaveLength(6 + 12);
    expect(calls.filter((c) => c.startsWith("<image>Output:") && c.split("<image>").length === 4)).toHaveLength(12);
    expect(calls.at(-1)).toMatch(/^<image>Output:[ab]<\|endofchunk\|>\n<image>Output:[ab]<\|endofchunk\|>\n<image>Output:$/);
    expect(r.rankMethods).toEqual({ prompt_logprobs: 24 });
    expect(r.usage).toEqual({ promptTokens: 180, completionTokens: 18 });
    expect(formatReport(r)).toMatch(/shots\s+accuracy %/);
    expect(formatReport(r)).toMatch(/ranked by exact, from prompt log-probabilities \(24 cells\)/);
  });

  it("gives the same results with concurrent requests", async () => {
    const cfg = { shots: [0, 2], seeds: 2, mode: "rank" as const, template: classification() };
    const one = await evalFile(items, ids, oracle([]), cfg);
    const eight = await evalFile(items, ids, oracle([], 8), cfg);
    expect(eight.results.map((x) => [x.accuracy.mean, x.perSeed])).toEqual(one.results.map((x) => [x.accuracy.mean, x.perSeed]));
  });

  it("generates, scoring exact match after trimming and token F1, on a fixed sample of queries", async () => {
    const r = await evalFile(items, ids, oracle([]), { shots: [1], seeds: 1, mode: "generate", queries: 3, template: classification() });
    expect(r.queries).toBe(3);
    expect(r.results[0]!.accuracy.mean).toBe(1);
    expect(r.results[0]!.f1!.mean).toBe(1);
  });

  it("fails before any model call when a shot count is too large", async () => {
    const calls: string[] = [];
    await expect(evalFile(items, ids, oracle(calls), { shots: [0, 6], seeds: 1, mode: "rank", template: classification() })).rejects.toThrow(/6 demonstrations/);
    expect(calls).toHaveLength(0);
  });
});
