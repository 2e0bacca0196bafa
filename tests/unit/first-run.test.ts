import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseTemplate } from "@/lib/prompt";
import type { Template } from "@/lib/prompt/schema";
import { andList, candidatesOf, chosenOf, explainOutcomes, firstRunSteps, rankAnswers, type StepOutcome } from "@/components/first-run/story";

/** A fake asset id (the schema wants a SHA-256): the name's hash. */
const id = (name: string) => createHash("sha256").update(name).digest("hex");
const image = (name: string, alt: string) => ({ type: "image" as const, source: { kind: "asset" as const, assetId: id(name) }, alt });
const text = (t: string) => ({ type: "text" as const, text: t });

/** The layout of the bundled "Classification with novel words" example. */
function daxTemplate(): Template {
  const r = parseTemplate({
    formatVersion: 1,
    name: "Classification with novel words (dax or blicket)",
    separator: "\n",
    tags: ["classification"],
    shots: [
      { blocks: [image("cat-face", "A cat's face"), text("Output:")], answer: "dax" },
      { blocks: [image("red-car", "A red car"), text("Output:")], answer: "blicket" },
      { blocks: [image("grinning-cat", "A grinning cat's face"), text("Output:")], answer: "dax" },
      { blocks: [image("taxi", "A yellow taxi"), text("Output:")], answer: "blicket" },
    ],
    query: { blocks: [image("cat", "An orange cat, whole body"), text("Output:")] },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.template;
}

const score = (dax: number, blicket: number) => ({ scores: [{ candidate: "dax", sum: dax }, { candidate: "blicket", sum: blicket }] });

describe("first-run steps", () => {
  it("renders the example at 0, 1 and 4 shots, keeping the last demonstrations, with their images and labels", () => {
    const steps = firstRunSteps(daxTemplate());
    expect(steps.map((s) => s.shots)).toEqual([0, 1, 4]);
    expect(steps[0]!.demos).toEqual([]);
    expect(steps[0]!.prompt.parts.filter((p) => p.type === "image")).toHaveLength(1);
    expect(steps[1]!.demos).toEqual([{ images: [{ assetId: id("taxi"), alt: "A yellow taxi" }], answer: "blicket" }]);
    expect(steps[2]!.demos.map((d) => d.answer)).toEqual(["dax", "blicket", "dax", "blicket"]);
    expect(steps[2]!.prompt.parts.filter((p) => p.type === "endOfChunk")).toHaveLength(4);
    for (const s of steps) expect(s.query).toEqual([{ assetId: id("cat"), alt: "An orange cat, whole body" }]);
  });

  it("clamps shot counts to the template's demonstrations, each count once", () => {
    const t = daxTemplate();
    expect(firstRunSteps({ ...t, shots: t.shots.slice(0, 2) }).map((s) => s.shots)).toEqual([0, 1, 2]);
    expect(firstRunSteps({ ...t, shots: [] }).map((s) => s.shots)).toEqual([0]);
  });

  it("ranks the demonstrated answers", () => {
    expect(candidatesOf(daxTemplate())).toEqual(["dax", "blicket"]);
  });
});

describe("ranking bars", () => {
  it("shares are the softmax of the sums; the highest is chosen", () => {
    const rows = rankAnswers(score(-1, -1 - Math.log(3)));
    expect(rows.map((r) => r.share)).toEqual([expect.closeTo(0.75, 6), expect.closeTo(0.25, 6)]);
    expect(chosenOf(rows)?.candidate).toBe("dax");
  });
  it("a candidate without a probability (null over JSON) gets none; all without: nothing chosen", () => {
    const rows = rankAnswers({ scores: [{ candidate: "dax", sum: null }, { candidate: "blicket", sum: -2 }] });
    expect(rows.map((r) => [r.candidate, r.share, r.best])).toEqual([
      ["dax", 0, false],
      ["blicket", 1, true],
    ]);
    expect(chosenOf(rankAnswers({ scores: [{ candidate: "dax", sum: null }] }))).toBeUndefined();
  });
});

describe("what changed, in words", () => {
  const steps = firstRunSteps(daxTemplate());
  // What flamingo-mini 0.5.0 answers: dax by its prior, the one label it saw, then dax from 2 + 2 examples.
  const observed: StepOutcome[] = [
    { step: steps[0]!, rows: rankAnswers(score(-22.47, -57.13)) },
    { step: steps[1]!, rows: rankAnswers(score(-21.67, -1.04)) },
    { step: steps[2]!, rows: rankAnswers(score(-0.4, -5.48)) },
  ];

  it("says what the model actually did at each shot count", () => {
    const { headline, sentences } = explainOutcomes(observed, "dax");
    expect(sentences[0]).toMatch(/^With no example the model has only its prior between the words “dax” and “blicket”: it picks “dax” \(100%\), right by luck/);
    expect(sentences[1]).toBe("With one example (a yellow taxi labelled “blicket”) it copies the only word it has seen: “blicket” (100%) — wrong, the answer is “dax”.");
    expect(sentences[2]).toBe("With 4 examples (2 × “dax”, 2 × “blicket”) it answers “dax” (99%) — right: the word of #1 (a cat's face) and #3 (a grinning cat's face).");
    expect(headline).toMatch(/^The answer changed with the examples: “dax” at 0, “blicket” at 1, “dax” at 4\. With 4 labelled examples/);
  });

  it("never claims learning the model did not show", () => {
    const wrong: StepOutcome[] = observed.map((o) => ({ ...o, rows: rankAnswers(score(-9, -1)) }));
    const { headline, sentences } = explainOutcomes(wrong, "dax");
    expect(headline).toBe("The answer stayed “blicket” at every shot count; the bars show how sure the model became.");
    expect(sentences[2]).toMatch(/it answers “blicket” \(\d+%\) — wrong, the answer is “dax”\.$/);
    // One example of the right kind, answered right: one label is enough.
    const one = firstRunSteps(daxTemplate(), [1]).map((s) => ({ ...s, demos: [{ images: [{ assetId: id("cat-face"), alt: "A cat's face" }], answer: "dax" }] }));
    expect(explainOutcomes([{ step: one[0]!, rows: rankAnswers(score(-1, -9)) }], "dax").sentences[0]).toBe("With one example (a cat's face labelled “dax”) one label is enough: it answers “dax” (100%) — right.");
  });

  it("lists in words", () => {
    expect([andList([]), andList(["a"]), andList(["a", "b"]), andList(["a", "b", "c"])]).toEqual(["", "a", "a and b", "a, b and c"]);
  });
});
