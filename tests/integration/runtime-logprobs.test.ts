/**
 * Log-probabilities from the engine with the REAL model: `promptLogProbs` (vLLM's prompt_logprobs:
 * every prompt position's log-prob, rank and top-k) against `score` and full logits rows, its
 * prefix-cache reuse, and `GenerateOptions.logprobs` on generated tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getServerModel, releaseServerModels } from "@/lib/backends/server";
import { AppError } from "@/lib/errors";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { logSoftmax, type FlamingoEngine, type PromptTokenLogProbs, type TokenEvent } from "@/lib/runtime";
import { loadGolden, MODEL_ID, MODELS_DIR } from "./runtime-golden";

let engine: FlamingoEngine;
let toSequence: (text: string, files: string[]) => PromptSequence;

const DEMOS = "<image>Output:dax<|endofchunk|>\n<image>Output:blicket zup<|endofchunk|>\n";
const FILES = ["golden/g_a1.png", "golden/g_b1.png"];
const query = (q: string, candidate = "") => toSequence(`${DEMOS}<image>Output:${candidate}`, [...FILES, q]);

beforeAll(async () => {
  const g = loadGolden();
  toSequence = g.toSequence;
  engine = (await getServerModel(MODEL_ID, { modelsDir: MODELS_DIR, imageSource: g.imageSource })).engine;
}, 120_000);

afterAll(releaseServerModels);

/** Sorted, of length k, and consistent with the token's own log-prob and rank. */
function checkPosition(p: PromptTokenLogProbs, k: number): void {
  expect(p.top).toHaveLength(k);
  for (let i = 1; i < p.top.length; i++) expect(p.top[i - 1]!.logprob).toBeGreaterThanOrEqual(p.top[i]!.logprob);
  const r = p.rank!;
  if (r <= k) {
    expect(p.top[r - 1]!.tokenId).toBe(p.tokenId);
    expect(p.top[r - 1]!.logprob).toBeCloseTo(p.logprob!, 12);
  } else if (k > 0) {
    expect(p.logprob!).toBeLessThan(p.top[k - 1]!.logprob);
  }
}

describe("promptLogProbs", () => {
  it("gives every prompt token (images and <|endofchunk|> included) its log-prob, rank and sorted top-k", async () => {
    const seq = query("golden/g_a2.png", "dax");
    const ids = engine.encodePrompt(seq).inputIds;
    const plp = await engine.promptLogProbs(seq, 5);
    expect(plp.map((p) => p.tokenId)).toEqual(ids);
    expect(plp[0]).toMatchObject({ logprob: null, rank: null, top: [] });
    expect(plp.filter((p) => p.text === "<image>")).toHaveLength(3);
    expect(plp.filter((p) => p.text === "<|endofchunk|>")).toHaveLength(2);
    expect(plp.map((p) => p.text).join("")).toBe(`${DEMOS}<image>Output:dax`);
    for (const p of plp.slice(1)) {
      expect(Number.isFinite(p.logprob)).toBe(true);
      expect(p.logprob!).toBeLessThanOrEqual(0);
      expect(Number.isInteger(p.rank) && p.rank! >= 1).toBe(true);
      checkPosition(p, 5);
    }
  });

  it("equals score() on the same text, token by token (appendEndOfChunk false)", async () => {
    for (const [q, cands] of [
      ["golden/g_a2.png", ["dax", "blicket zup", "a much longer candidate answer"]],
      ["golden/g_scene.png", ["wug", "dax"]],
    ] as const) {
      const scores = await engine.score(query(q), cands, { appendEndOfChunk: false });
      for (const s of scores) {
        const plp = await engine.promptLogProbs(query(q, s.candidate), 3);
        const tail = plp.slice(-s.tokenIds.length);
        expect(tail.map((p) => p.tokenId)).toEqual(s.tokenIds);
        tail.forEach((p, j) => expect(Math.abs(p.logprob! - s.tokenLogProbs[j]!)).toBeLessThan(1e-4));
        const sum = tail.reduce((a, p) => a + p.logprob!, 0);
        expect(Math.abs(sum - s.sum)).toBeLessThan(1e-4);
      }
    }
  });

  it("ranks the actual token among the whole vocabulary and lists the true top-k", async () => {
    // The row predicting the first candidate token is nextTokenLogits(prompt without it).
    const logits = await engine.nextTokenLogits(query("golden/g_b2.png"));
    const lp = logSoftmax(logits);
    const order = [...lp.keys()].sort((a, b) => lp[b]! - lp[a]! || a - b);
    for (const cand of ["dax", "blicket", "zzz"]) {
      const plp = await engine.promptLogProbs(query("golden/g_b2.png", cand), 20);
      const first = plp[plp.length - engine.tokenizer.encodeText(cand).length]!;
      expect(first.rank).toBe(order.indexOf(first.tokenId) + 1);
      expect(first.logprob!).toBeCloseTo(lp[first.tokenId]!, 4);
      expect(first.top.map((t) => t.tokenId)).toEqual(order.slice(0, 20));
      first.top.forEach((t) => expect(t.logprob).toBeCloseTo(lp[t.tokenId]!, 4));
      checkPosition(first, 20);
    }
    // topK 0: the token alone.
    const none = await engine.promptLogProbs(query("golden/g_b2.png", "dax"), 0);
    expect(none.every((p) => p.top.length === 0)).toBe(true);
  });

  it("reuses the demonstrations' prefix (only the query chunk runs) and agrees with the caches off", async () => {
    const a = query("golden/g_a3.png", "wug");
    const b = query("golden/g_b1.png", "zup"); // not run before in this file
    await engine.promptLogProbs(a, 2);
    const before = engine.stats().modelCalls;
    const again = await engine.promptLogProbs(a, 2);
    expect(engine.stats().modelCalls.lm).toBe(before.lm); // the whole prompt is cached
    const other = await engine.promptLogProbs(b, 2);
    const after = engine.stats().modelCalls;
    const n = engine.encodePrompt(b).inputIds.length;
    const queryChunk = n - engine.encodePrompt(b).inputIds.lastIndexOf(engine.tokenizer.imageId);
    expect(after.lm - before.lm).toBe(1);
    expect(after.lmTokens - before.lmTokens).toBe(queryChunk);
    // A generate on the same prompt then finds it prefilled.
    const g0 = engine.stats().modelCalls.lmTokens;
    await engine.generate(b, { maxTokens: 1 });
    expect(engine.stats().modelCalls.lmTokens - g0).toBe(0);
    engine.setCaching(false);
    try {
      for (const [seq, cached] of [[a, again], [b, other]] as const) {
        const cold = await engine.promptLogProbs(seq, 2);
        cold.forEach((p, i) => {
          const c = cached[i]!;
          expect(c.tokenId).toBe(p.tokenId);
          expect(c.rank).toBe(p.rank);
          if (p.logprob !== null) expect(Math.abs(c.logprob! - p.logprob)).toBeLessThan(1e-4);
          expect(c.top.map((t) => t.tokenId)).toEqual(p.top.map((t) => t.tokenId));
        });
      }
    } finally {
      engine.setCaching(true);
    }
  });

  it("queues behind other calls like every engine call, and refuses a bad topK", async () => {
    const seq = query("golden/g_a2.png", "dax");
    const [gen, plp, plp2] = await Promise.all([engine.generate(seq, { maxTokens: 4 }), engine.promptLogProbs(seq, 1), engine.promptLogProbs(seq, 1)]);
    expect(gen.usage.promptTokens).toBe(plp.length);
    expect(plp2).toEqual(plp);
    await expect(engine.promptLogProbs(seq, -1)).rejects.toBeInstanceOf(AppError);
    await expect(engine.promptLogProbs(seq, 1.5)).rejects.toThrow(/topK/);
  });
});

describe("generate with logprobs", () => {
  it("reports each token's raw log-prob and sorted alternatives (stop token included); nothing without the option", async () => {
    const seq = query("golden/g_a2.png");
    const lp = logSoftmax(await engine.nextTokenLogits(seq));
    const events: TokenEvent[] = [];
    const r = await engine.generate(seq, { maxTokens: 6, logprobs: 3, onToken: (e) => events.push(e) });
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.top).toHaveLength(3);
      // Greedy: the chosen token is the most likely one.
      expect(e.top![0]!.tokenId).toBe(e.tokenId);
      expect(e.logprob).toBeCloseTo(e.top![0]!.logprob, 12);
      expect(e.top![0]!.logprob).toBeGreaterThanOrEqual(e.top![1]!.logprob);
      expect(e.top![0]!.text).toBe(engine.tokenText(e.tokenId));
    }
    expect(events[0]!.logprob!).toBeCloseTo(lp[events[0]!.tokenId]!, 4);
    if (r.finishReason === "stop_token") expect(events.at(-1)).toMatchObject({ stop: true, tokenId: engine.tokenizer.stopId });
    // The generated tokens' log-probs are those of the prompt + answer.
    const answer = r.tokenIds.map((t) => engine.tokenText(t)).join("");
    if (r.tokenIds.length > 0 && engine.tokenizer.encodeText(answer).join() === r.tokenIds.join()) {
      const plp = await engine.promptLogProbs(query("golden/g_a2.png", answer), 0);
      plp.slice(-r.tokenIds.length).forEach((p, j) => expect(Math.abs(p.logprob! - events[j]!.logprob!)).toBeLessThan(1e-4));
    }

    const plain: TokenEvent[] = [];
    await engine.generate(seq, { maxTokens: 3, onToken: (e) => plain.push(e) });
    expect(plain.every((e) => e.logprob === undefined && e.top === undefined)).toBe(true);
  });

  it("gives raw (pre-temperature) log-probs when sampling, ignores the minTokens mask, and refuses beams", async () => {
    const seq = query("golden/g_scene.png");
    const lp = logSoftmax(await engine.nextTokenLogits(seq));
    const events: TokenEvent[] = [];
    await engine.generate(seq, { maxTokens: 2, minTokens: 2, temperature: 1.7, seed: 3, logprobs: 0, onToken: (e) => events.push(e) });
    expect(events[0]!.top).toEqual([]);
    expect(events[0]!.logprob!).toBeCloseTo(lp[events[0]!.tokenId]!, 4);
    await expect(engine.generate(seq, { numBeams: 3, logprobs: 1 })).rejects.toThrow(/beam search/);
  });
});
