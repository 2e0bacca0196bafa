import { describe, expect, it } from "vitest";
import { cosine, ricesSelect, selectBalancedPrefix, visualFeature, demonstrationKeys } from "@/lib/eval";
import { serializePrompt, imagesOf } from "@/lib/prompt/sequence";
import { TemplateSchema, type TemplateInput } from "@/lib/prompt/schema";
import { curveOf, judgeGenerate, judgeRank, wilson } from "@/lib/sweeps/curve";
import { cellKey, countCells, planCells } from "@/lib/sweeps/plan";
import { sweepLayout } from "@/lib/sweeps/template";
import type { SweepItemRef } from "@/lib/sweeps/types";

const A = "a".repeat(64);
const img = (n: number) => n.toString(16).padStart(64, "0");
const tpl = (t: Partial<TemplateInput>) => TemplateSchema.parse({ formatVersion: 1, name: "t", query: { blocks: [{ type: "image", source: { kind: "asset", assetId: A } }, { type: "text", text: "Output:" }] }, ...t });

describe("Wilson interval", () => {
  it("matches the textbook values and stays inside [0, 1]", () => {
    const w = wilson(8, 10);
    expect(w.low).toBeCloseTo(0.4902, 3);
    expect(w.high).toBeCloseTo(0.9433, 3);
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(0, 10).high).toBeCloseTo(0.2775, 3);
    expect(wilson(10, 10).high).toBe(1);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it("curve points group seeds × items per selection and shots", () => {
    const r = (selection: "random" | "rices", shots: number, correct: boolean, score = 0) => ({ selection, shots, correct, score });
    const curve = curveOf([r("rices", 0, true), r("random", 4, true), r("random", 0, false), r("random", 0, true), r("random", 4, true)], "rank");
    expect(curve.map((p) => [p.selection, p.shots, p.n, p.accuracy])).toEqual([
      ["random", 0, 2, 0.5],
      ["random", 4, 2, 1],
      ["rices", 0, 1, 1],
    ]);
    expect(curve[0]).toMatchObject(wilson(1, 2));
    expect(curveOf([r("random", 1, true, 0.5), r("random", 1, false, 0.25)], "generate")[0]?.f1).toBeCloseTo(0.375);
  });

  it("judges rank and generate cells", () => {
    expect(judgeRank(["dax", "wug"], [-3, -1], "wug")).toEqual({ output: "wug", correct: true, score: -1 });
    expect(judgeRank(["dax", "wug"], [-1, -1], "wug").output).toBe("dax");
    expect(judgeGenerate(" red ", "red")).toEqual({ output: " red ", correct: true, score: 1 });
    expect(judgeGenerate("a red ball", "red").correct).toBe(false);
  });
});

describe("RICES", () => {
  it("mean-pools visual tokens into a unit feature", () => {
    const f = visualFeature(new Float32Array([1, 0, 3, 0]), 2, 2);
    expect([...f]).toEqual([1, 0]);
    expect(() => visualFeature(new Float32Array(3), 2, 2)).toThrow();
  });

  it("picks the most similar pool items and puts the most similar last", () => {
    const v = (x: number, y: number) => new Float32Array([x, y]);
    const pool = [v(0, 1), v(1, 0.1), v(1, 1), v(1, 0), v(-1, 0)];
    const q = v(1, 0);
    expect(ricesSelect(q, pool, 3)).toEqual([2, 1, 3]);
    expect(ricesSelect(q, pool, 1)).toEqual([3]);
    // The query's own image is never used.
    expect(ricesSelect(q, pool, 2, new Set([3]))).toEqual([2, 1]);
    expect(ricesSelect(q, pool, 0)).toEqual([]);
    expect(() => ricesSelect(q, pool, 6)).toThrow(/only 5/);
    expect(cosine(v(1, 0), v(0, 0))).toBe(0);
  });
});

describe("balanced selection keeping prefixes", () => {
  const answers = ["a", "a", "a", "b", "b", "b", "c", "c", "c"];
  const keys = demonstrationKeys(answers.length, 1);
  it("deals answers round-robin, so every k-shot list starts the 2k list", () => {
    const six = selectBalancedPrefix(answers, 6, keys);
    const counts = (ix: number[]) => ["a", "b", "c"].map((l) => ix.filter((i) => answers[i] === l).length);
    expect(counts(six)).toEqual([2, 2, 2]);
    for (const k of [1, 2, 3, 4, 5]) expect(selectBalancedPrefix(answers, k, keys)).toEqual(six.slice(0, k));
    expect(selectBalancedPrefix(answers, 0, keys)).toEqual([]);
  });
  it("refuses when an answer runs short", () => {
    const skew = ["a", "b", "b", "b", "b", "b"];
    expect(() => selectBalancedPrefix(skew, 4, demonstrationKeys(6, 0))).toThrow(/of "a"/);
    expect(() => selectBalancedPrefix(answers, 10, keys)).toThrow(/only 9/);
  });
});

describe("cell planning", () => {
  const pool: SweepItemRef[] = Array.from({ length: 8 }, (_, i) => ({ id: `p${i}`, assetId: img(i), question: null, answer: i % 2 ? "dax" : "wug" }));
  const queries: SweepItemRef[] = [
    { id: "q0", assetId: img(100), question: null, answer: "dax" },
    { id: "q1", assetId: img(3), question: null, answer: "dax" }, // the same image as pool item p3
  ];
  const config = { shots: [4, 0, 2], seeds: 2, selections: ["random", "balanced", "rices"] as const };

  it("counts RICES once (seed 0) and the others per seed", () => {
    expect(countCells({ ...config, selections: [...config.selections] }, 2)).toBe(2 * 3 * (2 + 2 + 1));
  });

  it("orders cells for prefix reuse and keeps k-shot demonstrations a prefix of the larger ones", () => {
    const features = { pool: pool.map((_, i) => new Float32Array([Math.cos(i), Math.sin(i)])), queries: [new Float32Array([1, 0]), new Float32Array([Math.cos(3), Math.sin(3)])] };
    const cells = planCells({ config: { ...config, selections: [...config.selections] }, pool, queries, features });
    expect(cells).toHaveLength(30);
    expect(new Set(cells.map(cellKey)).size).toBe(30);
    // Shots ascending within a (selection, seed); RICES last.
    expect(cells.slice(0, 6).map((c) => [c.selection, c.seed, c.shots, c.itemId])).toEqual([
      ["random", 0, 0, "q0"],
      ["random", 0, 0, "q1"],
      ["random", 0, 2, "q0"],
      ["random", 0, 2, "q1"],
      ["random", 0, 4, "q0"],
      ["random", 0, 4, "q1"],
    ]);
    expect(cells.slice(-6).every((c) => c.selection === "rices" && c.seed === 0)).toBe(true);
    const demos = (sel: string, seed: number, shots: number, item: string) => cells.find((c) => c.selection === sel && c.seed === seed && c.shots === shots && c.itemId === item)?.demos ?? [];
    for (const sel of ["random", "balanced"]) {
      expect(demos(sel, 1, 4, "q0").slice(0, 2)).toEqual(demos(sel, 1, 2, "q0"));
    }
    // Never the query's own image.
    for (const c of cells.filter((c) => c.itemId === "q1")) expect(c.demos).not.toContain(3);
    // RICES: most similar last (q0's feature is pool item 0's).
    expect(demos("rices", 0, 2, "q0")).toEqual([6, 0]); // cos 6 ≈ 0.96 (angle ≈ −0.28), then cos 0 = 1
    // Seeds differ.
    expect(demos("random", 0, 4, "q0")).not.toEqual(demos("random", 1, 4, "q0"));
  });
});

describe("template mapping", () => {
  const items = [
    { assetId: img(1), question: "What colour?", answer: "red" },
    { assetId: img(2), question: "How many?", answer: "{{x}}" },
  ];
  it("lays out classification demonstrations like the query, with the preamble first", () => {
    const layout = sweepLayout(tpl({ preamble: [{ type: "text", text: "Label the images.\n" }], shots: [{ blocks: [{ type: "text", text: "ignored" }], answer: "x" }] }));
    const p = layout.prompt([{ ...items[0]!, question: null }], { assetId: img(9), question: null, answer: "?" });
    expect(serializePrompt(p)).toBe("Label the images.\n<image>Output:red<|endofchunk|>\n<image>Output:");
    expect(imagesOf(p)).toEqual([img(1), img(9)]);
    expect(layout.usesQuestion).toBe(false);
  });

  it("fills {{question}} per item and takes answers literally", () => {
    const layout = sweepLayout(
      tpl({
        variables: [{ name: "question", kind: "text", default: "?" }, { name: "style", kind: "text", default: "Short answer:" }, { name: "image", kind: "image" }],
        query: { blocks: [{ type: "image", source: { kind: "variable", name: "image" } }, { type: "text", text: "Question:{{ question }} {{style}}" }] },
      }),
    );
    const p = layout.prompt(items, { assetId: img(9), question: "Which shape?", answer: "?" });
    expect(serializePrompt(p)).toBe(
      "<image>Question:What colour? Short answer:red<|endofchunk|>\n<image>Question:How many? Short answer:{{x}}<|endofchunk|>\n<image>Question:Which shape? Short answer:",
    );
    expect(imagesOf(p)).toEqual([img(1), img(2), img(9)]);
    expect(() => layout.prompt([], { assetId: img(9), question: null, answer: "?" })).toThrow(/has none/);
  });

  it("refuses templates that cannot be mapped, saying why", () => {
    const two = tpl({ query: { blocks: [{ type: "image", source: { kind: "asset", assetId: A } }, { type: "image", source: { kind: "asset", assetId: A } }] } });
    expect(() => sweepLayout(two)).toThrow(/query has 2 images/);
    const noImage = tpl({ query: { blocks: [{ type: "text", text: "Q:" }] } });
    expect(() => sweepLayout(noImage)).toThrow(/query has 0 images/);
    const noDefault = tpl({ variables: [{ name: "topic", kind: "text" }], query: { blocks: [{ type: "image", source: { kind: "asset", assetId: A } }, { type: "text", text: "{{topic}}:" }] } });
    expect(() => sweepLayout(noDefault)).toThrow(/\{\{topic\}\} has no default/);
    try {
      sweepLayout(two);
    } catch (e) {
      expect((e as { status: number }).status).toBe(400);
    }
  });
});
