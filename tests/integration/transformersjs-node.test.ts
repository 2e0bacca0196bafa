/**
 * The transformers.js engine in Node (onnxruntime-node, CPU) on the tiny SmolVLM fixture, remote models off:
 * the templated prompt's ids, greedy tokens and every step's logits against the PyTorch reference of the same
 * weights, rank sums against the summed reference log-probs, stop strings, cancel, progress, and clear errors
 * for a corrupt file or a wrong layout.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { env } from "@huggingface/transformers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TfjsEngine, type TfjsFileProgress } from "@/lib/backends/transformersjs/engine";
import { inProcessTfjsBackend } from "@/lib/backends/transformersjs/in-process";
import { backendSweepCalls } from "@/lib/backends/transformersjs/sweep";
import { runBrowserSweep } from "@/lib/sweeps/client/browser-sweep";
import type { SweepCellPost, SweepPlan, SweepPlanCell } from "@/lib/sweeps/types";
import { CANDIDATES, caseSequence, fixtureImage, loadTinyGolden, TINY_SMOLVLM, type TinyGolden } from "./transformersjs-golden";

let g: TinyGolden;
const engines: Partial<Record<"turns" | "interleaved", TfjsEngine>> = {};
const progress: TfjsFileProgress[] = [];
let tmp: string;

beforeAll(async () => {
  g = loadTinyGolden();
  env.useFSCache = false;
  engines.turns = await TfjsEngine.load({ model: TINY_SMOLVLM, dtype: "fp32", device: "cpu", allowRemote: false, onProgress: (p) => progress.push(p) });
  engines.interleaved = await TfjsEngine.load({ model: TINY_SMOLVLM, dtype: "fp32", device: "cpu", allowRemote: false, promptStyle: "interleaved" });
  tmp = mkdtempSync(path.join(os.tmpdir(), "tfjs-"));
}, 120_000);

afterAll(async () => {
  await engines.turns?.release();
  await engines.interleaved?.release();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("transformers.js engine on the tiny SmolVLM (Node, CPU)", () => {
  it("loads with remote models off, reporting every file", () => {
    expect(env.allowRemoteModels).toBe(false);
    const done = new Set(progress.filter((p) => p.status === "done").map((p) => p.file));
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json", "onnx/vision_encoder.onnx", "onnx/embed_tokens.onnx", "onnx/decoder_model_merged.onnx"]) expect(done).toContain(f);
  });

  it("renders each prompt through the model's chat template to the reference ids", async () => {
    for (const c of g.cases) {
      const { prompt, style } = caseSequence(c);
      const e = engines[style]!;
      expect(e.renderPrompt(prompt)).toBe(c.text);
      expect(await e.promptIds(prompt, fixtureImage)).toEqual(c.inputIds);
    }
  });

  it("generates the reference greedy tokens exactly, every step's logits within tolerance", async () => {
    for (const c of g.cases) {
      const { prompt, style } = caseSequence(c);
      const steps: Float32Array[] = [];
      const tokens: number[] = [];
      const r = await engines[style]!.generate(prompt, fixtureImage, { maxTokens: c.greedy.tokenIds.length }, { onLogits: (i, l) => (steps[i] = l), onToken: (t) => tokens.push(t.tokenId) });
      expect(r.tokenIds).toEqual(c.greedy.tokenIds);
      expect(tokens).toEqual(c.greedy.tokenIds);
      expect(r.finishReason).toBe("max_tokens");
      expect(r.usage.promptTokens).toBe(c.inputIds.length);
      let maxDiff = 0;
      c.greedy.stepLogits.forEach((ref, i) => ref.forEach((x, v) => (maxDiff = Math.max(maxDiff, Math.abs(x - steps[i]![v]!)))));
      console.log(`${c.name}: max |logit - reference| = ${maxDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThan(1e-3);
    }
  });

  it("ranks candidates by the summed reference log-probs (prompt run once, its cache shared)", async () => {
    for (const c of g.cases) {
      const { prompt, style } = caseSequence(c);
      const scores = await engines[style]!.score(prompt, fixtureImage, CANDIDATES);
      scores.forEach((s, i) => {
        const ref = c.candidates[i]!;
        expect(s.tokenIds).toEqual(ref.tokenIds);
        expect(Math.abs(s.sum - ref.sum)).toBeLessThan(1e-3);
        s.tokenLogProbs.forEach((lp, j) => expect(Math.abs(lp - ref.tokenLogProbs[j]!)).toBeLessThan(1e-3));
      });
    }
  });

  it("cuts the text at a stop string and stops there", async () => {
    const c = g.cases.find((x) => x.name === "text_only")!;
    const { prompt } = caseSequence(c);
    const full = await engines.turns!.generate(prompt, fixtureImage, { maxTokens: 6 });
    // A stop string made of the 3rd and 4th generated characters: the text before it survives, nothing after.
    const stop = full.text.slice(2, 4);
    expect(stop.length).toBe(2);
    const r = await engines.turns!.generate(prompt, fixtureImage, { maxTokens: 6, stop: [stop] });
    expect(r.finishReason).toBe("stop_string");
    expect(r.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(r.usage.completionTokens).toBeLessThan(6);
  });

  it("cancel stops a long generation between steps", async () => {
    const c = g.cases[0]!;
    const { prompt } = caseSequence(c);
    const ac = new AbortController();
    let seen = 0;
    const run = engines.turns!.generate(prompt, fixtureImage, { maxTokens: 2000 }, { signal: ac.signal, onToken: () => ++seen === 3 && ac.abort() });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(seen).toBeLessThan(2000);
  });

  it("names the file when one is corrupt", async () => {
    const dir = path.join(tmp, "corrupt");
    cpSync(TINY_SMOLVLM, dir, { recursive: true });
    const f = path.join(dir, "onnx/decoder_model_merged.onnx");
    writeFileSync(f, readFileSync(f).subarray(0, 1000));
    await expect(TfjsEngine.load({ model: dir, dtype: "fp32", device: "cpu", allowRemote: false })).rejects.toThrow(/decoder_model_merged/);
  });

  it("names the file a wrong layout lacks", async () => {
    const dir = path.join(tmp, "no-vision");
    cpSync(TINY_SMOLVLM, dir, { recursive: true });
    rmSync(path.join(dir, "onnx/vision_encoder.onnx"));
    await expect(TfjsEngine.load({ model: dir, dtype: "fp32", device: "cpu", allowRemote: false })).rejects.toThrow(/vision_encoder/);
  });

  it("runs a small browser sweep (rank mode, 0 / 1 / 2 shots) through the Backend, scores = reference at 2 shots", async () => {
    const c = g.cases.find((x) => x.name === "two_shot_turns")!;
    const full = caseSequence(c).prompt.parts;
    // 0, 1 and 2 shots: drop the first demonstrations (image + text + answer + <|endofchunk|> + "\n" each).
    const byShots = (shots: number): SweepPlanCell["prompt"] => ({ parts: full.slice((2 - shots) * 5) as SweepPlanCell["prompt"]["parts"] });
    const cells: SweepPlanCell[] = [0, 1, 2].map((shots) => ({ itemId: "query", shots, seed: 0, selection: "random", demoItemIds: [], prompt: byShots(shots), candidates: CANDIDATES }));
    const posted: SweepCellPost[] = [];
    let served = false;
    const backend = inProcessTfjsBackend("tiny-smolvlm", engines.turns!, fixtureImage);
    const outcome = await runBrowserSweep(
      {
        ...backendSweepCalls(backend),
        fetchPlan: async () => {
          const plan: SweepPlan = { sweepId: "s", mode: "rank", model: "tiny-smolvlm", maxTokens: 4, remaining: served ? 0 : 3, totalCells: 3, cells: served ? [] : cells };
          served = true;
          return plan;
        },
        post: async (body) => {
          posted.push(...body.cells);
          return { sweep: {} as never };
        },
        now: () => performance.now(),
      },
      { signal: new AbortController().signal, batchSize: 2 },
    );
    expect(outcome).toEqual({ posted: 3, reason: "finished" });
    expect(posted.map((p) => p.shots)).toEqual([0, 1, 2]);
    const two = posted.find((p) => p.shots === 2)!;
    two.scores!.forEach((s, i) => expect(Math.abs(s - c.candidates[i]!.sum)).toBeLessThan(1e-3));
    // Fewer demonstrations, a different prompt: different scores.
    expect(posted.find((p) => p.shots === 0)!.scores![0]).not.toBeCloseTo(two.scores![0]!, 3);
  });
});
