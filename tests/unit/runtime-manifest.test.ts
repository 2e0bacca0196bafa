import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadPackage, parseManifest, sha256Hex, type FetchFile } from "@/lib/runtime/manifest";

const enc = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function fixture(overrides: Record<string, Uint8Array> = {}) {
  const vision = new Uint8Array([1, 2, 3, 4]);
  const lm = new Uint8Array(1000).fill(7);
  const tokenizer = enc(JSON.stringify({ model: { type: "BPE" } }));
  const manifest = {
    id: "tiny",
    version: "0.1.0",
    format: "flamingo-onnx/1",
    graphs: { vision: "vision.onnx", lm: "lm.onnx" },
    architecture: { n_visual_tokens_per_image: 8, visual_token_dim: 16, language_model: { n_layers: 2, n_heads: 2, head_dim: 8, vocab_size: 50 } },
    image_preprocessing: { size: [32, 32], resize: "bilinear", channel_layout: "NCHW", channel_order: "RGB", scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    special_tokens: { image: { content: "<image>", id: 48 }, end_of_chunk: { content: "<|endofchunk|>", id: 47 }, pad: { content: "<pad>", id: 49 }, bos: null, stop_token_id: 47 },
    files: {
      "vision.onnx": { sha256: hex(vision), bytes: vision.length },
      "lm.onnx": { sha256: hex(lm), bytes: lm.length },
      "tokenizer.json": { sha256: hex(tokenizer), bytes: tokenizer.length },
    },
  };
  const files: Record<string, Uint8Array> = { "manifest.json": enc(JSON.stringify(manifest)), "vision.onnx": vision, "lm.onnx": lm, "tokenizer.json": tokenizer, ...overrides };
  const calls: string[] = [];
  const fetchFile: FetchFile = async (name, onBytes) => {
    calls.push(name);
    await new Promise((r) => setTimeout(r, 2));
    const b = files[name];
    if (!b) return null;
    onBytes?.(Math.floor(b.length / 2));
    return b;
  };
  return { manifest, fetchFile, calls };
}

describe("runtime manifest", () => {
  it("accepts a contract manifest and names the first problem of a bad one", () => {
    const { manifest } = fixture();
    expect(parseManifest(manifest).architecture.language_model.n_layers).toBe(2);
    expect(() => parseManifest({ ...manifest, format: "other/1" })).toThrow(/format/);
    const { files: _f, ...noFiles } = manifest;
    expect(() => parseManifest({ ...noFiles, files: {} })).toThrow(/vision\.onnx/);
  });

  it("hashes with WebCrypto", async () => {
    expect(await sha256Hex(enc("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("loads and verifies a package, reporting progress in bytes", async () => {
    const { fetchFile } = fixture();
    const progress: number[] = [];
    let total = 0;
    const pkg = await loadPackage({ key: "a", fetchFile, onProgress: (p) => (progress.push(p.loadedBytes), (total = p.totalBytes)) });
    expect(pkg.lm.length).toBe(1000);
    expect(pkg.tokenizerConfig).toEqual({});
    expect(progress[progress.length - 1]).toBe(total);
    expect(Math.max(...progress)).toBe(total);
  });

  it("rejects a file whose hash or size differs from the manifest", async () => {
    const corrupt = new Uint8Array(1000).fill(8);
    await expect(loadPackage({ key: "b", fetchFile: fixture({ "lm.onnx": corrupt }).fetchFile })).rejects.toThrow(/lm\.onnx: SHA-256/);
    await expect(loadPackage({ key: "c", fetchFile: fixture({ "lm.onnx": new Uint8Array(10) }).fetchFile })).rejects.toThrow(/lm\.onnx: 10 bytes/);
    await expect(loadPackage({ key: "d", fetchFile: fixture({ "manifest.json": enc("{") }).fetchFile })).rejects.toThrow(/not valid JSON/);
  });

  it("de-duplicates concurrent loads of the same package", async () => {
    const { fetchFile, calls } = fixture();
    const [a, b] = await Promise.all([loadPackage({ key: "same", fetchFile }), loadPackage({ key: "same", fetchFile })]);
    expect(a).toBe(b);
    expect(calls.filter((c) => c === "lm.onnx")).toHaveLength(1);
  });
});
