import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { render } from "@/lib/prompt/render";
import { parseTemplate } from "@/lib/prompt";
import { agreeing, demonstrationsOf, describeAgreement, gateSummary, mainImage, numberList, openness, percentRange, summarizeTrace } from "@/components/run/trace-summary";

/** A fake asset id (the schema wants a SHA-256): the name's hash. */
const id = (name: string) => createHash("sha256").update(name).digest("hex");
const image = (name: string) => ({ type: "image" as const, source: { kind: "asset" as const, assetId: id(name) } });
const text = (t: string) => ({ type: "text" as const, text: t });

const prompt = (() => {
  const r = parseTemplate({
    formatVersion: 1,
    name: "t",
    separator: "\n",
    shots: [
      { blocks: [image("c1"), text("Output:")], answer: "dax" },
      { blocks: [image("k1"), text("Output:")], answer: "blicket" },
      { blocks: [image("c2"), text("Output:")], answer: "dax" },
    ],
    query: { blocks: [image("q"), text("Output:")] },
  });
  if (!r.ok) throw new Error("bad template");
  return render(r.template);
})();

// flamingo-mini 0.5.0's gates, as the trace reports them.
const GATES = [
  [-0.0613, 0.1259],
  [0.0676, 0.1812],
  [0.0705, -0.1474],
  [0.0837, 0.2881],
];

describe("demonstrations of a prompt", () => {
  it("finds each demonstration's images and answer, and the query's images", () => {
    const { demos, query } = demonstrationsOf(prompt);
    expect(demos).toEqual([
      { n: 1, images: [id("c1")], answer: "dax" },
      { n: 2, images: [id("k1")], answer: "blicket" },
      { n: 3, images: [id("c2")], answer: "dax" },
    ]);
    expect(query).toEqual([id("q")]);
  });

  it("says which demonstrations agree with the chosen answer", () => {
    const { demos } = demonstrationsOf(prompt);
    expect(agreeing(demos, " DAX ").agree.map((d) => d.n)).toEqual([1, 3]);
    expect(describeAgreement(demos, "dax")).toBe("“dax” is the answer of demonstrations #1 and #3. #2 shows “blicket”.");
    expect(describeAgreement(demos, "wug")).toBe("No demonstration has “wug” as its answer: the model did not copy one. #1, #2 and #3 show “dax” or “blicket”.");
    expect(describeAgreement(demos.slice(0, 1), "dax")).toMatch(/^Every demonstration has “dax” as its answer/);
    expect(describeAgreement([], "dax")).toBe("No demonstration: “dax” comes from the model's prior alone.");
    expect(numberList([2, 4])).toBe("#2 and #4");
  });
});

describe("the trace in words", () => {
  it("gates: how open, by magnitude", () => {
    const g = gateSummary(GATES);
    expect(g.layers).toBe(4);
    expect(g.xattn.min).toBeCloseTo(0.0613, 4);
    expect(g.xattn.max).toBeCloseTo(0.0837, 4);
    expect(percentRange(g.xattn)).toBe("6–8%");
    expect(percentRange(g.dense)).toBe("13–29%");
    expect(percentRange({ min: 0.001, max: 0.004, mean: 0.002 })).toBe("under 1%");
    expect([openness(0.01), openness(-0.07), openness(0.4), openness(0.9)]).toEqual(["nearly shut", "slightly open", "half open", "wide open"]);
  });

  it("every generated token reads the query: said as the design, not as a finding", () => {
    const traces = [0, 1].map(() => ({ attentionPerImage: [0, 0, 0, 1], gates: GATES }));
    expect(mainImage(traces)).toEqual({ index: 3, share: 1 });
    const s = summarizeTrace(traces, 4);
    expect(s.looked).toMatch(/^Each generated token read image #4, the query, directly \(100% of its attention\)\. That is Flamingo's design/);
    expect(s.looked).toMatch(/The other 3 images reach the answer only through the words after them/);
    expect(s.gates).toMatch(/cross-attention gates are 6–8% open \(slightly open\) and the dense gates 13–29% \(slightly open\)/);
    expect(summarizeTrace([], 0).looked).toMatch(/no image/);
    expect(summarizeTrace([{ attentionPerImage: [0.7, 0.3], gates: [] }], 2).looked).toBe("The generated tokens read image #1 most (70% of their attention).");
  });
});
