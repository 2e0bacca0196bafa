/**
 * The engine on onnxruntime-node with the REAL model package (public/models/flamingo-mini,
 * or FLAMINGO_MODELS_DIR/<id>): golden parity, caches, scoring, stop strings, cancellation,
 * errors. A missing package fails these tests; it ships with the repository.
 */
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getServerModel, releaseServerModels, serverModelStatus, type ServerModel } from "@/lib/backends/server";
import { decodeWithSharp } from "@/lib/backends/server/sharp-decoder";
import { fsFetchFile } from "@/lib/backends/server/fs-package";
import { AppError } from "@/lib/errors";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { FlamingoEngine, logSoftmax, QueueFullError, type ModelPackage, type OrtNamespace } from "@/lib/runtime";
import { loadPackage } from "@/lib/runtime/manifest";
import path from "node:path";
import { loadGolden, maxAbs, MODEL_ID, MODELS_DIR, PKG, type Golden, type GoldenPrompt } from "./runtime-golden";

const BUNDLED_PKG = path.join(process.cwd(), "public", "models", MODEL_ID);

let images: Map<string, Uint8Array>;
let byFile: Map<string, string>;
let imageSource: (id: string) => Promise<Uint8Array>;
let addImage: (bytes: Uint8Array) => string;
let toSequence: (text: string, files: string[]) => PromptSequence;

let golden: Golden;
let model: ServerModel;
let engine: FlamingoEngine;
let pkg: ModelPackage;
const parity: Record<string, number> = {};

beforeAll(async () => {
  const g = loadGolden();
  ({ golden, images, byFile, imageSource, addImage, toSequence } = g);
  model = await getServerModel(MODEL_ID, { modelsDir: MODELS_DIR, imageSource });
  engine = model.engine;
  pkg = await loadPackage({ key: `test:${PKG}`, fetchFile: fsFetchFile(PKG) });
}, 120_000);

afterAll(async () => {
  console.log("parity max abs diffs:", JSON.stringify(parity));
  await releaseServerModels();
});

describe("golden parity (onnxruntime-node)", () => {
  it("reports the execution provider it runs on", () => {
    expect(["cpu", "cuda"]).toContain(model.executionProvider);
    expect(serverModelStatus()).toContainEqual(expect.objectContaining({ id: MODEL_ID, state: "ready", executionProvider: model.executionProvider }));
    expect(engine.executionProvider).toBe(model.executionProvider);
  });

  it("tokenizes every golden prompt to the exact input_ids and image_index", () => {
    for (const p of golden.prompts) {
      const inputs = engine.encodePrompt(toSequence(p.text, p.images));
      expect(inputs.inputIds, p.name).toEqual(p.input_ids);
      expect(inputs.imageIndex, p.name).toEqual(p.image_index);
      expect(inputs.mediaLocations.length, p.name).toBe(p.images.length);
    }
  });

  it("preprocesses the golden images to the same pixel means", async () => {
    let worst = 0;
    for (const p of golden.prompts) {
      for (const [i, f] of p.images.entries()) {
        const px = await engine.pixelsOf(byFile.get(f) as string);
        const mean = px.reduce((a, b) => a + b, 0) / px.length;
        worst = Math.max(worst, Math.abs(mean - (p.pixels_mean_per_image[i] as number)));
      }
    }
    parity.pixelsMean = worst;
    expect(worst).toBeLessThan(1e-5);
  });

  it("encodes images to the golden visual tokens within tolerance", async () => {
    let worst = 0;
    let worstSum = 0;
    for (const p of golden.prompts) {
      if (p.images.length === 0) continue;
      const vt = await engine.encodeImages(p.images.map((f) => byFile.get(f) as string));
      vt.forEach((v, i) => {
        worst = Math.max(worst, maxAbs(v.slice(0, 16), p.visual_tokens.first_16_of_each_image[i] as number[]));
        const sum = v.reduce((a, b) => a + b, 0);
        const abs = v.reduce((a, b) => a + Math.abs(b), 0);
        worstSum = Math.max(worstSum, Math.abs(sum - (p.visual_tokens.sum_per_image[i] as number)) / v.length);
        worstSum = Math.max(worstSum, Math.abs(abs - (p.visual_tokens.abs_sum_per_image[i] as number)) / v.length);
      });
    }
    parity.visualTokens = worst;
    parity.visualTokensSumPerElement = worstSum;
    expect(worst).toBeLessThanOrEqual(golden.tolerance.visual_tokens);
    expect(worstSum).toBeLessThanOrEqual(golden.tolerance.visual_tokens);
  });

  it("reproduces the first-position logits and the greedy continuation exactly", async () => {
    let worst = 0;
    for (const p of golden.prompts) {
      const seq = toSequence(p.text, p.images);
      const [s] = await engine.score(seq, ["x"], { appendEndOfChunk: false }); // warm the prefix
      expect(s).toBeDefined();
      const res = await engine.generate(seq, { maxTokens: 12, trace: true });
      expect(res.tokenIds, p.name).toEqual(p.greedy_ids.filter((id) => id !== engine.tokenizer.stopId));
      expect(res.finishReason).toBe(p.greedy_ids.includes(engine.tokenizer.stopId) ? "stop_token" : "max_tokens");
      // First-position logits, through the raw session inputs the engine builds.
      const all = await firstLogits(seq);
      const V = pkg.manifest.architecture.language_model.vocab_size;
      const logits = all.slice(all.length - V);
      const fl = p.first_position_logits;
      worst = Math.max(worst, maxAbs(logits.slice(0, 32), fl.first_32));
      let best = 0;
      logits.forEach((v, i) => (v > (logits[best] as number) ? (best = i) : 0));
      expect(best, p.name).toBe(fl.argmax);
      const top5 = [...logits.keys()].sort((a, b) => (logits[b] as number) - (logits[a] as number)).slice(0, 5);
      expect(top5, p.name).toEqual(fl.top5);
      worst = Math.max(worst, maxAbs(top5.map((i) => logits[i] as number), fl.top5_logits));
      const lse = (logits[0] as number) - (logSoftmax(logits)[0] as number);
      worst = Math.max(worst, Math.abs(lse - fl.logsumexp));
    }
    parity.logits = worst;
    expect(worst).toBeLessThanOrEqual(golden.tolerance.logits);
  });
});

/** Last-position logits `[V]` of a full (uncached) forward, with the session fed directly. */
async function firstLogits(seq: PromptSequence, extra: number[] = []): Promise<Float32Array> {
  const inputs = engine.encodePrompt(seq);
  const vt = inputs.mediaLocations.length > 0 ? await engine.encodeImages(inputs.mediaLocations) : [];
  const m = pkg.manifest.architecture;
  const L = m.n_visual_tokens_per_image;
  const D = m.visual_token_dim;
  const N = Math.max(1, vt.length);
  const vis = new Float32Array(N * L * D);
  vt.forEach((v, i) => vis.set(v, i * L * D));
  const ids = [...inputs.inputIds, ...extra];
  const last = inputs.imageIndex[inputs.imageIndex.length - 1] as number;
  const ii = [...inputs.imageIndex, ...extra.map(() => last)];
  const lm = await lmSession();
  const lmShape = m.language_model;
  const out = await lm.run({
    input_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
    visual_tokens: new ort.Tensor("float32", vis, [1, N, L, D]),
    image_index: new ort.Tensor("int64", BigInt64Array.from(ii.map(BigInt)), [1, ii.length]),
    past_key_values: new ort.Tensor("float32", new Float32Array(0), [lmShape.n_layers, 2, 1, lmShape.n_heads, 0, lmShape.head_dim]),
  });
  const V = out.logits!.dims[2] as number;
  return (out.logits!.data as Float32Array).slice(0, ids.length * V);
}

let lmPromise: Promise<ort.InferenceSession> | undefined;
const lmSession = () => (lmPromise ??= ort.InferenceSession.create(pkg.lm));

function goldenPrompt(name: string): PromptSequence {
  const p = golden.prompts.find((q) => q.name === name) ?? (golden.prompts[0] as GoldenPrompt);
  return toSequence(p.text, p.images);
}
const withImages = () => goldenPrompt("four_images_2way");

describe("caches", () => {
  it("gives identical results with the visual cache and prefix reuse on and off", async () => {
    const seq = withImages();
    const longer: PromptSequence = { parts: [...seq.parts, { type: "text", text: "dax" }] };
    const cands = ["dax", "blicket zup", "wug"];
    engine.setCaching(true);
    const a1 = await engine.generate(seq, { maxTokens: 8 });
    const a2 = await engine.generate(seq, { maxTokens: 8 }); // visual + exact prefix hit
    const a3 = await engine.generate(longer, { maxTokens: 8 }); // continues from the cached prefix
    const s1 = await engine.score(seq, cands);
    const stats = engine.stats();
    expect(stats.visualCache.hits).toBeGreaterThan(0);
    expect(stats.prefixCache.hits).toBeGreaterThan(0);
    engine.setCaching(false);
    try {
      const b1 = await engine.generate(seq, { maxTokens: 8 });
      const b3 = await engine.generate(longer, { maxTokens: 8 });
      const s2 = await engine.score(seq, cands);
      expect(engine.stats().visualCache.entries).toBe(0);
      expect(a1.tokenIds).toEqual(b1.tokenIds);
      expect(a2.tokenIds).toEqual(b1.tokenIds);
      expect(a3.tokenIds).toEqual(b3.tokenIds);
      const d = Math.max(...s1.map((s, i) => Math.abs(s.sum - (s2[i]?.sum ?? NaN))));
      parity.cachedVsUncachedScore = d;
      expect(d).toBeLessThan(1e-4);
    } finally {
      engine.setCaching(true);
    }
  });

  it("encodes an image used many times once", async () => {
    const id = byFile.get(golden.prompts[0]!.images[0] as string) as string;
    engine.visualCache.clear();
    const seq: PromptSequence = { parts: [{ type: "image", assetId: id }, { type: "text", text: "Output:" }, { type: "image", assetId: id }, { type: "text", text: "Output:" }] };
    await engine.generate(seq, { maxTokens: 2 });
    await engine.generate(seq, { maxTokens: 2 });
    const st = engine.visualCache.stats();
    expect(st.entries).toBe(1);
    expect(st.misses).toBe(1);
  });
});

describe("scoring", () => {
  it("scores a candidate as the sum of its token log-probs computed by a full forward", async () => {
    const seq = withImages();
    const cands = ["dax", "blicket zup", "a much longer candidate answer"];
    const scores = await engine.score(seq, cands, { batchSize: 2 });
    const prompt = engine.encodePrompt(seq).inputIds;
    let worst = 0;
    for (const s of scores) {
      const all = await firstLogits(seq, s.tokenIds.slice(0, -1));
      const V = all.length / (prompt.length + s.tokenIds.length - 1);
      let sum = 0;
      s.tokenIds.forEach((tok, j) => {
        const pos = prompt.length - 1 + j;
        sum += logSoftmax(all.subarray(pos * V, (pos + 1) * V))[tok] as number;
      });
      worst = Math.max(worst, Math.abs(sum - s.sum));
      expect(s.tokenIds[s.tokenIds.length - 1]).toBe(engine.tokenizer.endOfChunkId);
      expect(s.mean).toBeCloseTo(s.sum / s.tokenIds.length, 10);
    }
    parity.scoreVsFullForward = worst;
    expect(worst).toBeLessThan(1e-3);
  });

  it("scoreMany (shared prefill, rows sorted into equal padded batches) equals score prompt by prompt with the caches off", async () => {
    const demos = "<image>Output:dax<|endofchunk|>\n<image>Output:blicket zup<|endofchunk|>\n";
    const files = ["golden/g_a1.png", "golden/g_b1.png"];
    const queries = ["golden/g_a2.png", "golden/g_b2.png", "golden/g_scene.png", "golden/g_a3.png"];
    const prompts = queries.map((q) => toSequence(`${demos}<image>Output:`, [...files, q]));
    const cands = queries.map((_, i) => ["dax", "blicket zup", "wug", "a much longer candidate answer"].slice(0, 2 + (i % 3)));
    engine.setCaching(true);
    const before = engine.stats().modelCalls.lm;
    const many = await engine.scoreMany(prompts, cands, { batchSize: 4 });
    const calls = engine.stats().modelCalls.lm - before;
    engine.setCaching(false);
    try {
      // Same bound as "score vs full forward": visual tokens that an earlier test cached from a batched encode
      // differ from a single encode by ~1e-5, which moves an unlikely token's log-prob by up to ~2e-4 here;
      // a batching or ordering bug would be off by whole nats.
      let worst = 0;
      for (const [i, p] of prompts.entries()) {
        const one = await engine.score(p, cands[i]!);
        expect(many[i]!.map((s) => s.candidate)).toEqual(cands[i]);
        one.forEach((s, k) => (worst = Math.max(worst, Math.abs(s.sum - many[i]![k]!.sum))));
      }
      expect(worst).toBeLessThan(1e-3);
      // One prefill of the demonstrations (unless a test before left it cached) + ceil(13 rows / 4) batches.
      expect(calls).toBeLessThanOrEqual(1 + Math.ceil(cands.flat().length / 4));
    } finally {
      engine.setCaching(true);
    }
  });

  it("lm.onnx treats a batch-1 past as tiled over the B rows (manifest lm_features: past_broadcast)", async () => {
    // The bundled package declares it; another copy (FLAMINGO_MODELS_DIR) may not, and is then scored tiled.
    if (!pkg.manifest.lm_features?.includes("past_broadcast")) {
      expect(PKG).not.toBe(BUNDLED_PKG);
      return;
    }
    const lm = await lmSession();
    const { n_layers: nl, n_heads: H, head_dim: dh } = pkg.manifest.architecture.language_model;
    const [L, D] = [pkg.manifest.architecture.n_visual_tokens_per_image, pkg.manifest.architecture.visual_token_dim];
    const i64 = (v: number[], dims: number[]) => new ort.Tensor("int64", BigInt64Array.from(v.map(BigInt)), dims);
    const vis = (b: number) => new ort.Tensor("float32", new Float32Array(b * L * D).map((_, i) => Math.sin(i % (L * D))), [b, 1, L, D]);
    const prompt = engine.encodePrompt(withImages()).inputIds.slice(0, 12);
    const empty = new ort.Tensor("float32", new Float32Array(0), [nl, 2, 1, H, 0, dh]);
    const pre = await lm.run({ input_ids: i64(prompt, [1, 12]), visual_tokens: vis(1), image_index: i64(prompt.map(() => 0), [1, 12]), past_key_values: empty });
    const past = pre.present_key_values!;
    const P = past.dims[4] as number;
    const rows = [5, 17, 300, 1200, 9, 44]; // 3 rows × 2 tokens
    const tiled = new Float32Array((past.data as Float32Array).length * 3);
    const block = H * P * dh;
    for (let o = 0; o < nl * 2; o++) for (let b = 0; b < 3; b++) tiled.set((past.data as Float32Array).subarray(o * block, (o + 1) * block), (o * 3 + b) * block);
    const feeds = { input_ids: i64(rows, [3, 2]), visual_tokens: vis(3), image_index: i64(rows.map(() => 0), [3, 2]) };
    const a = await lm.run({ ...feeds, past_key_values: past });
    const b = await lm.run({ ...feeds, past_key_values: new ort.Tensor("float32", tiled, [nl, 2, 3, H, P, dh]) });
    expect(a.present_key_values!.dims).toEqual([nl, 2, 3, H, P + 2, dh]);
    expect(maxAbs(a.logits!.data as Float32Array, b.logits!.data as Float32Array)).toBeLessThan(1e-6);
    expect(maxAbs(a.present_key_values!.data as Float32Array, b.present_key_values!.data as Float32Array)).toBeLessThan(1e-6);
    // An empty past broadcasts too (scoring a prompt whose prefix is empty).
    const c = await lm.run({ ...feeds, past_key_values: empty });
    expect(c.present_key_values!.dims).toEqual([nl, 2, 3, H, 2, dh]);
  });

  it("scores a text-only prompt", async () => {
    const [s] = await engine.score(goldenPrompt("zero_images"), ["three"]);
    expect(Number.isFinite(s!.sum)).toBe(true);
    expect(s!.sum).toBeLessThan(0);
  });
});

describe("generation", () => {
  it("cuts the text at a stop string, in the stream too", async () => {
    const seq = withImages();
    const free = await engine.generate(seq, { maxTokens: 12, minTokens: 12 });
    const text = free.text;
    // A stop string from the middle of the free continuation (skip replacement characters).
    let at = -1;
    for (let i = 1; i < text.length - 1 && at < 0; i++) if (!/[\uFFFD\s]/.test(text.slice(i, i + 2))) at = i;
    expect(at, `continuation too short for a stop test: ${JSON.stringify(text)}`).toBeGreaterThan(0);
    const stop = text.slice(at, at + 2);
    const streamed: string[] = [];
    const res = await engine.generate(seq, { maxTokens: 12, minTokens: 12, stop: [stop], onToken: (e) => streamed.push(e.text) });
    expect(res.finishReason).toBe("stop_string");
    expect(res.text).toBe(text.slice(0, text.indexOf(stop)));
    expect(streamed.join("")).toBe(res.text);
  });

  it("streams tokens as an async iterator", async () => {
    const { events, result } = engine.stream(withImages(), { maxTokens: 5 });
    const got: number[] = [];
    for await (const e of events) if (!e.stop) got.push(e.tokenId);
    const res = await result;
    expect(got).toEqual(res.tokenIds);
  });

  it("stops when cancelled between steps, and keeps serving", async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const p = engine.generate(withImages(), {
      maxTokens: 12,
      minTokens: 12,
      signal: ac.signal,
      onToken: (e) => {
        seen.push(e.tokenId);
        if (seen.length === 2) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    expect(seen.length).toBe(2);
    const pre = new AbortController();
    pre.abort();
    await expect(engine.generate(withImages(), { signal: pre.signal })).rejects.toMatchObject({ name: "AbortError" });
    const ok = await engine.generate(withImages(), { maxTokens: 3 });
    expect(ok.tokenIds.length).toBeGreaterThan(0);
  });

  it("suppresses the stop token below minTokens", async () => {
    const res = await engine.generate(withImages(), { maxTokens: 5, minTokens: 5 });
    expect(res.tokenIds).toHaveLength(5);
    expect(res.finishReason).toBe("max_tokens");
  });

  it("samples reproducibly with a seed; 3-beam search returns a scored hypothesis", async () => {
    const seq = withImages();
    const a = await engine.generate(seq, { maxTokens: 8, temperature: 1, topP: 0.9, seed: 42 });
    const b = await engine.generate(seq, { maxTokens: 8, temperature: 1, topP: 0.9, seed: 42 });
    expect(a.tokenIds).toEqual(b.tokenIds);
    const beam = await engine.generate(seq, { maxTokens: 8, numBeams: 3 });
    expect(beam.tokenIds.length).toBeGreaterThan(0);
    expect(beam.tokenIds.length).toBeLessThanOrEqual(8);
    const one = await engine.generate(seq, { maxTokens: 8, numBeams: 1 });
    const greedy = await engine.generate(seq, { maxTokens: 8 });
    expect(one.tokenIds).toEqual(greedy.tokenIds);
  });

  it("traces attention per image and the gates for every generated token", async () => {
    const seq = withImages();
    const res = await engine.generate(seq, { maxTokens: 4, trace: true });
    expect(res.trace?.length).toBe(res.tokenIds.length + (res.finishReason === "stop_token" ? 1 : 0));
    const nX = res.trace![0]!.gates.length;
    for (const t of res.trace!) {
      expect(t.attentionPerImage).toHaveLength(4);
      expect(t.attentionPerLayer).toHaveLength(nX);
      // New tokens attend to the last image only (Flamingo masking).
      for (const row of t.attentionPerLayer) {
        expect(row[3]).toBeCloseTo(1, 4);
        expect(row[0]).toBeCloseTo(0, 6);
      }
      for (const g of t.gates) expect(g).toHaveLength(2);
    }
  });

  it("never runs one session concurrently: parallel requests queue and agree", async () => {
    const seq = withImages();
    const rs = await Promise.all([1, 2, 3].map(() => engine.generate(seq, { maxTokens: 6 })));
    expect(rs[1]!.tokenIds).toEqual(rs[0]!.tokenIds);
    expect(rs[2]!.tokenIds).toEqual(rs[0]!.tokenIds);
  });

  it("refuses work past a full queue with a clear error", async () => {
    const small = await FlamingoEngine.create({ ort: ort satisfies OrtNamespace, pkg, decodeImage: decodeWithSharp, imageSource, maxPending: 1 });
    try {
      const seq = withImages();
      const first = small.generate(seq, { maxTokens: 4 });
      const second = small.generate(seq, { maxTokens: 4 });
      await expect(small.generate(seq, { maxTokens: 4 })).rejects.toBeInstanceOf(QueueFullError);
      await Promise.all([first, second]);
    } finally {
      await small.release();
    }
  });
});

describe("errors", () => {
  it("rejects a corrupt image with a clear 422 and keeps serving", async () => {
    const good = images.values().next().value as Uint8Array;
    const bad = addImage(good.slice(0, Math.floor(good.length / 2)));
    const seq: PromptSequence = { parts: [{ type: "image", assetId: bad }, { type: "text", text: "Output:" }] };
    const err = await engine.generate(seq).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(422);
    expect((err as AppError).message).toMatch(/could not be decoded/);
    const ok = await engine.generate(withImages(), { maxTokens: 2 });
    expect(ok.tokenIds.length).toBeGreaterThan(0);
  });

  it("rejects an unknown image id with a 404", async () => {
    const seq: PromptSequence = { parts: [{ type: "image", assetId: "0".repeat(64) }, { type: "text", text: "Output:" }] };
    await expect(engine.generate(seq)).rejects.toMatchObject({ status: 404 });
  });

  it("rejects an unknown or malformed model id with 404 / 400", async () => {
    await expect(getServerModel("no-such-model", { modelsDir: MODELS_DIR, imageSource })).rejects.toMatchObject({ status: 404 });
    await expect(getServerModel("../etc", { modelsDir: MODELS_DIR, imageSource })).rejects.toMatchObject({ status: 400 });
  });

  it("keeps a user's literal <image> text as text", () => {
    const inputs = engine.encodePrompt({ parts: [{ type: "text", text: "see <image> and <|endofchunk|> here" }] });
    expect(inputs.mediaLocations).toEqual([]);
    expect(inputs.inputIds).not.toContain(engine.tokenizer.imageId);
    expect(inputs.inputIds).not.toContain(engine.tokenizer.endOfChunkId);
    expect(engine.tokenizer.decode(inputs.inputIds)).toBe("see <image> and <|endofchunk|> here");
  });
});
