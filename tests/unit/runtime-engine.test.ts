/**
 * FlamingoEngine's control flow on a fake model (no ONNX): one session never runs
 * concurrently, stop token / stop strings / max tokens, minTokens, beams, scoring arithmetic,
 * cancellation, and trace mapping when only some images are fed.
 */
import { describe, expect, it } from "vitest";
import { FlamingoEngine } from "@/lib/runtime/engine";
import { logSoftmax } from "@/lib/runtime/sampling";
import type { ModelPackage } from "@/lib/runtime/manifest";
import type { OrtNamespace, OrtSession, OrtTensor } from "@/lib/runtime/ort";
import { FakeTensor } from "./runtime-fake-ort";
import { readFileSync } from "node:fs";
import path from "node:path";

const tokenizerJson = JSON.parse(readFileSync(path.join(process.cwd(), "training/runs/main/tokenizer.json"), "utf8")) as {
  added_tokens: { id: number; content: string }[];
  model: { vocab: Record<string, number> };
};
const special = (c: string) => tokenizerJson.added_tokens.find((t) => t.content === c)!.id;
const EOC = special("<|endofchunk|>");
const IMG = special("<image>");
const V = Math.max(...tokenizerJson.added_tokens.map((t) => t.id)) + 1;
const L = 2, D = 4, NL = 1, NH = 1, HD = 2, NX = 2;
const A = tokenizerJson.model.vocab["a"]!;

/**
 * Fake lm: the logits of a position favour token `script[position]` (then EOC), so every
 * continuation is known; runs take a little time and record overlap.
 */
function fakeOrt(script: number[], stats = { active: 0, maxActive: 0, runs: 0 }): OrtNamespace {
  const delay = () => new Promise((r) => setTimeout(r, 1));
  const vision: OrtSession = {
    inputNames: ["pixels"],
    outputNames: ["visual_tokens"],
    async run(feeds) {
      const B = feeds.pixels!.dims[0]!;
      return { visual_tokens: new FakeTensor("float32", new Float32Array(B * L * D).fill(0.5), [B, L, D]) };
    },
  };
  const lm: OrtSession = {
    inputNames: ["input_ids", "visual_tokens", "image_index", "past_key_values"],
    outputNames: ["logits", "present_key_values", "xattn_weights", "gates"],
    async run(feeds) {
      stats.active++;
      stats.runs++;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      await delay();
      const [B = 1, S = 1] = feeds.input_ids!.dims;
      const past = feeds.past_key_values!;
      const P = past.dims[4]!;
      const N = feeds.visual_tokens!.dims[1]!;
      const logits = new Float32Array(B * S * V);
      for (let b = 0; b < B; b++)
        for (let s = 0; s < S; s++) {
          const pos = P + s;
          const row = (b * S + s) * V;
          for (let v = 0; v < V; v++) logits[row + v] = -((v * 7 + pos) % 11) / 10; // some spread
          logits[row + (script[pos] ?? EOC)] = 5;
        }
      const present = new Float32Array(NL * 2 * B * NH * (P + S) * HD);
      const xattn = new Float32Array(B * NX * S * N * L).fill(1 / (N * L));
      stats.active--;
      return {
        logits: new FakeTensor("float32", logits, [B, S, V]),
        present_key_values: new FakeTensor("float32", present, [NL, 2, B, NH, P + S, HD]),
        xattn_weights: new FakeTensor("float32", xattn, [B, NX, S, N * L]),
        gates: new FakeTensor("float32", new Float32Array([0.1, 0.2, 0.3, 0.4]), [NX, 2]),
      } as Record<string, OrtTensor>;
    },
  };
  return {
    Tensor: FakeTensor,
    InferenceSession: { create: async (bytes: Uint8Array) => (bytes[0] === 1 ? vision : lm) },
  } as unknown as OrtNamespace;
}

const pkg: ModelPackage = {
  manifest: {
    id: "fake",
    version: "1",
    format: "flamingo-onnx/1",
    graphs: { vision: "v", lm: "l" },
    architecture: { n_visual_tokens_per_image: L, visual_token_dim: D, language_model: { n_layers: NL, n_heads: NH, head_dim: HD, vocab_size: V } },
    image_preprocessing: { size: [2, 2], resize: "bilinear", channel_layout: "NCHW", channel_order: "RGB", scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    special_tokens: { image: { content: "<image>", id: IMG }, end_of_chunk: { content: "<|endofchunk|>", id: EOC }, pad: { content: "<pad>", id: special("<pad>") }, stop_token_id: EOC },
    files: {},
  } as unknown as ModelPackage["manifest"],
  vision: new Uint8Array([1]),
  lm: new Uint8Array([2]),
  tokenizerJson,
  tokenizerConfig: {},
};

const img = (n: number) => ({ type: "image" as const, assetId: String(n).repeat(64).slice(0, 64) });
const decodeImage = async () => ({ width: 2, height: 2, data: new Uint8Array(16).fill(200) });
const make = (script: number[], stats?: { active: number; maxActive: number; runs: number }) =>
  FlamingoEngine.create({ ort: fakeOrt(script, stats), pkg, decodeImage, imageSource: async () => new Uint8Array([0]) });

// Prompt "<image>x<image>y" is 4 tokens; position p's logits pick script[p], so the continuation is script[3…].
const prompt = { parts: [img(1), { type: "text" as const, text: "x" }, img(2), { type: "text" as const, text: "y" }] };

describe("runtime engine (fake model)", () => {
  it("never runs a session concurrently, whatever the callers do", async () => {
    const stats = { active: 0, maxActive: 0, runs: 0 };
    const e = await make([0, 0, 0, 0, A, A, A], stats);
    await Promise.all([e.generate(prompt, { maxTokens: 4 }), e.score(prompt, ["a", "b"]), e.generate(prompt, { maxTokens: 2 }), e.encodeImages([img(3).assetId])]);
    expect(stats.runs).toBeGreaterThan(5);
    expect(stats.maxActive).toBe(1);
  });

  it("stops at the stop token, at max tokens, and not before minTokens", async () => {
    const e = await make([0, 0, 0, A, A]);
    const r = await e.generate(prompt, { maxTokens: 10 });
    expect(r.tokenIds).toEqual([A, A]);
    expect(r.finishReason).toBe("stop_token");
    expect(r.text).toBe("aa");
    const m = await e.generate(prompt, { maxTokens: 1 });
    expect(m.finishReason).toBe("max_tokens");
    const forced = await e.generate(prompt, { maxTokens: 4, minTokens: 4 });
    expect(forced.tokenIds).toHaveLength(4);
    expect(forced.tokenIds).not.toContain(EOC);
  });

  it("cuts at a stop string and streams exactly the kept text", async () => {
    const e = await make([0, 0, 0, A, A, A, A, A]);
    const parts: string[] = [];
    const r = await e.generate(prompt, { maxTokens: 10, stop: ["aaa"], onToken: (t) => parts.push(t.text) });
    expect(r.finishReason).toBe("stop_string");
    expect(r.text).toBe("");
    expect(parts.join("")).toBe("");
    const r2 = await e.generate(prompt, { maxTokens: 10, stop: ["zz"], onToken: (t) => parts.push(t.text) });
    expect(r2.text).toBe("aaaaa");
    expect(parts.join("")).toBe("aaaaa");
  });

  it("beam search finds the scripted continuation", async () => {
    const e = await make([0, 0, 0, A, A]);
    const r = await e.generate(prompt, { maxTokens: 6, numBeams: 3 });
    expect(r.tokenIds).toEqual([A, A]);
  });

  it("scores = first-position log-prob + log-probs of the fed candidate tokens", async () => {
    const e = await make([0, 0, 0, 0, A, A]);
    const [s] = await e.score(prompt, ["a"]);
    expect(s!.tokenIds).toEqual([A, EOC]);
    const row = (pos: number, tok: number) => {
      const l = new Float32Array(V);
      for (let v = 0; v < V; v++) l[v] = -((v * 7 + pos) % 11) / 10;
      l[[0, 0, 0, 0, A, A][pos] ?? EOC] = 5;
      return logSoftmax(l)[tok]!;
    };
    expect(s!.sum).toBeCloseTo(row(3, A) + row(4, EOC), 5);
    expect(s!.mean).toBeCloseTo(s!.sum / 2, 10);
  });

  it("scores a query whose demonstrations are cached with one LM call, and caching changes no score", async () => {
    const e = await make([0, 0, 0, 0, A, A]);
    const query = (n: number) => ({ parts: [img(1), { type: "text" as const, text: "x" }, img(n), { type: "text" as const, text: "y" }] });
    const first = await e.score(query(2), ["a", "b"]);
    const before = e.stats().modelCalls;
    await e.score(query(3), ["a", "b"]);
    const after = e.stats().modelCalls;
    expect(after.lm - before.lm).toBe(1);
    expect(after.vision - before.vision).toBe(1); // the new query image only
    e.setCaching(false);
    expect(await e.score(query(2), ["a", "b"])).toEqual(first);
  });

  it("scoreMany equals score prompt by prompt, sharing one prefill and one vision call among queries with the same demonstrations", async () => {
    const e = await make([0, 0, 0, 0, A, A]);
    const query = (n: number) => ({ parts: [img(1), { type: "text" as const, text: "x" }, img(n), { type: "text" as const, text: "y" }] });
    const textOnly = { parts: [{ type: "text" as const, text: "xy" }] };
    const prompts = [query(2), query(3), query(4), textOnly];
    const cands = [["a", "b"], ["a"], ["b", "a", "a"], ["a", "b"]];
    const many = await e.scoreMany(prompts, cands);
    const calls = e.stats().modelCalls;
    expect(calls.vision).toBe(1);
    expect(calls.lm).toBe(1 + 1 + 2); // shared demonstrations prefill + all 6 image rows + the text-only prompt (prefill, rows)
    e.setCaching(false);
    for (const [i, p] of prompts.entries()) {
      const one = await e.score(p, cands[i]!);
      one.forEach((s, k) => {
        expect(many[i]![k]!.candidate).toBe(s.candidate);
        expect(many[i]![k]!.tokenIds).toEqual(s.tokenIds);
        expect(many[i]![k]!.sum).toBeCloseTo(s.sum, 10);
      });
    }
    await expect(e.scoreMany(prompts, cands.slice(1))).rejects.toThrow(/One candidate list per prompt/);
  });

  it("warms up with one run of each session, touching no cache and no counter", async () => {
    const stats = { active: 0, maxActive: 0, runs: 0 };
    const e = await make([], stats);
    await e.warmUp();
    expect(stats.runs).toBe(1); // the LM (the fake vision session does not count itself)
    expect(e.stats().modelCalls).toEqual({ vision: 0, lm: 0, lmTokens: 0 });
    await e.generate(prompt, { maxTokens: 1 });
    expect(e.stats().visualCache.misses).toBe(2); // the warm-up cached no image
    expect(e.stats().prefixCache.hits).toBe(0);
  });

  it("cancels between steps", async () => {
    const e = await make(new Array(60).fill(A));
    const ac = new AbortController();
    let n = 0;
    const p = e.generate(prompt, { maxTokens: 50, signal: ac.signal, onToken: () => ++n === 3 && ac.abort() });
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    expect(n).toBe(3);
  });

  it("maps attention back to the prompt's images when a step is fed only the last image", async () => {
    const e = await make([0, 0, 0, 0, A, A, A]);
    const r = await e.generate(prompt, { maxTokens: 2, minTokens: 2, trace: true });
    for (const t of r.trace!) {
      expect(t.attentionPerImage).toHaveLength(2);
      expect(t.attentionPerImage[0]).toBe(0);
      expect(t.attentionPerImage[1]).toBeCloseTo(1, 6);
      expect(t.gates).toEqual([[0.1, 0.2].map((x) => Math.fround(x)), [0.3, 0.4].map((x) => Math.fround(x))]);
    }
  });
});

describe("token limits and bounded calls (fake model)", () => {
  const long = (n: number) => ({ parts: [{ type: "text" as const, text: "a".repeat(n) }] }); // "a" is one token each
  const limited = (opts: { contextTokens?: number | null; maxPromptTokens?: number }, stats?: { active: number; maxActive: number; runs: number }) =>
    FlamingoEngine.create({ ort: fakeOrt(new Array(4000).fill(A), stats), pkg: { ...pkg, tokenizerConfig: { model_max_length: 64 } }, decodeImage, imageSource: async () => new Uint8Array([0]), maxPromptTokensName: "CAP", ...opts });

  it("refuses a prompt past the context or the cap before any model call, on every method", async () => {
    const stats = { active: 0, maxActive: 0, runs: 0 };
    const e = await limited({ maxPromptTokens: 55 }, stats);
    expect(e.tokenLimits).toEqual({ context: 64, maxPromptTokens: 55, capName: "CAP" });
    await expect(e.generate(long(60), { maxTokens: 10 })).rejects.toMatchObject({ status: 413, message: "The prompt is 60 tokens; this model reads at most 64 (prompt + max tokens), so with max tokens 10 the prompt may have at most 54" });
    await expect(e.generate(long(56), { maxTokens: 1 })).rejects.toMatchObject({ status: 413, message: "The prompt is 56 tokens; this server accepts at most 55 prompt tokens (CAP)" });
    await expect(e.score(long(45), ["a".repeat(30)])).rejects.toMatchObject({ status: 413, message: "The prompt is 45 tokens and its longest candidate 31; this model reads at most 64 (prompt + candidate)" });
    await expect(e.scoreMany([long(2), long(45)], [["a"], ["a".repeat(30)]])).rejects.toMatchObject({ status: 413 });
    await expect(e.promptLogProbs(long(70))).rejects.toMatchObject({ status: 413 });
    await expect(e.nextTokenLogits(long(70))).rejects.toMatchObject({ status: 413 });
    // Far too long: refused from the text's length alone, "at least".
    await expect(e.generate({ parts: [{ type: "text", text: "€".repeat(64_000) }] })).rejects.toMatchObject({ status: 413, message: expect.stringMatching(/^The prompt is at least [\d,]+ tokens; this model reads at most 64/) });
    expect(() => e.checkPrompt(long(60), { kind: "generate", maxTokens: 10 })).toThrow(/at most 54/);
    expect(stats.runs).toBe(0);
    // Within the limits it runs.
    expect((await e.generate(long(44), { maxTokens: 20 })).usage.promptTokens).toBe(44);
    expect(e.checkPrompt(long(44), { kind: "generate", maxTokens: 20 }).inputIds).toHaveLength(44);
  });

  it("feeds a long prompt in pieces of PREFILL_CHUNK_TOKENS, the same tokens in all", async () => {
    const e = await limited({ contextTokens: null, maxPromptTokens: 2000 });
    await e.generate(long(1200), { maxTokens: 1 });
    expect(e.stats().modelCalls.lm).toBe(3); // 512 + 512 + 176
    expect(e.stats().modelCalls.lmTokens).toBe(1200);
  });

  it("scores long candidates in calls of at most SCORE_CALL_TOKENS tokens, with the same sums", async () => {
    const e = await limited({ contextTokens: null });
    const cands = Array.from({ length: 10 }, (_, i) => "a".repeat(300 + i));
    e.setCaching(false);
    const all = await e.score(long(3), cands);
    const calls = e.stats().modelCalls;
    // The prefill, then rows of 300-309 tokens three to a call (≤ 1,024 tokens each): 3 + 3 + 3 + 1.
    expect(calls.lm).toBe(1 + 4);
    expect(calls.lmTokens).toBe(3 + 3 * 302 + 3 * 305 + 3 * 308 + 309); // rows padded to their batch's longest
    for (let i = 0; i < cands.length; i++) expect((await e.score(long(3), [cands[i]!]))[0]!.sum).toBeCloseTo(all[i]!.sum, 10);
  });
});
