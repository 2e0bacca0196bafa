/**
 * The transformers.js engine in Node (onnxruntime-node, CPU) on the tiny Qwen2-VL fixture (training/tiny_qwen2vl.py),
 * remote models off: Qwen's chat template (`<|vision_start|><|image_pad|><|vision_end|>` per image), the image
 * expanded to its merged patches, greedy tokens and every step's logits against the PyTorch reference, and rank sums
 * against the summed reference log-probs. Qwen2-VL numbers its tokens with a multimodal RoPE (an image's tokens
 * take grid positions, the text after it continues from their largest + 1), so a candidate scored on the prompt's
 * KV cache must be given those positions: a wrong position shows here as a wrong sum.
 */
import { env } from "@huggingface/transformers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TfjsEngine } from "@/lib/backends/transformersjs/engine";
import { CANDIDATES, caseSequence, fixtureImageIn, loadTinyGolden, TINY_QWEN2VL, type TinyGolden } from "./transformersjs-golden";

let g: TinyGolden;
const engines: Partial<Record<"turns" | "interleaved", TfjsEngine>> = {};
const image = fixtureImageIn(TINY_QWEN2VL);

beforeAll(async () => {
  g = loadTinyGolden(TINY_QWEN2VL);
  env.useFSCache = false;
  engines.turns = await TfjsEngine.load({ model: TINY_QWEN2VL, dtype: "fp32", device: "cpu", allowRemote: false });
  engines.interleaved = await TfjsEngine.load({ model: TINY_QWEN2VL, dtype: "fp32", device: "cpu", allowRemote: false, promptStyle: "interleaved" });
}, 120_000);

afterAll(async () => {
  await engines.turns?.release();
  await engines.interleaved?.release();
});

describe("transformers.js engine on the tiny Qwen2-VL (Node, CPU)", () => {
  it("renders each prompt through Qwen's chat template to the reference ids", async () => {
    for (const c of g.cases) {
      const { prompt, style } = caseSequence(c);
      const e = engines[style]!;
      expect(e.renderPrompt(prompt)).toBe(c.text);
      expect(await e.promptIds(prompt, image)).toEqual(c.inputIds);
    }
  });

  it("writes an answer the way the template does: nothing before it, <|im_end|> after it", () => {
    const { prompt } = caseSequence(g.cases[0]!);
    expect(engines.turns!.answerFrame(prompt)).toEqual({ separator: "", closing: "<|im_end|>" });
  });

  it("generates the reference greedy tokens exactly, every step's logits within tolerance", async () => {
    for (const c of g.cases) {
      const { prompt, style } = caseSequence(c);
      const steps: Float32Array[] = [];
      const r = await engines[style]!.generate(prompt, image, { maxTokens: c.greedy.tokenIds.length }, { onLogits: (i, l) => (steps[i] = l) });
      expect(r.tokenIds, c.name).toEqual(c.greedy.tokenIds);
      expect(r.usage.promptTokens).toBe(c.inputIds.length);
      let maxDiff = 0;
      c.greedy.stepLogits.forEach((ref, i) => ref.forEach((x, v) => (maxDiff = Math.max(maxDiff, Math.abs(x - steps[i]![v]!)))));
      console.log(`qwen2-vl ${c.name}: max |logit - reference| = ${maxDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThan(1e-3);
    }
  });

  it("ranks candidates by the summed reference log-probs, positions continuing after the images", async () => {
    for (const c of g.cases) {
      const { prompt, style } = caseSequence(c);
      const scores = await engines[style]!.score(prompt, image, CANDIDATES);
      scores.forEach((s, i) => {
        const ref = c.candidates[i]!;
        expect(s.tokenIds, `${c.name} ${ref.continuation}`).toEqual(ref.tokenIds);
        s.tokenLogProbs.forEach((lp, j) => expect(Math.abs(lp - ref.tokenLogProbs[j]!), `${c.name} ${ref.continuation} token ${j}`).toBeLessThan(1e-3));
        expect(Math.abs(s.sum - ref.sum)).toBeLessThan(1e-3);
      });
    }
  });
});
