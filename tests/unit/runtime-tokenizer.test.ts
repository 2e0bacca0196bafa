import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifest } from "@/lib/runtime/manifest";
import { FlamingoTokenizer } from "@/lib/runtime/tokenizer";

// The tokenizer trained for flamingo-mini (training/), with a minimal manifest around it.
const json = JSON.parse(readFileSync(path.join(process.cwd(), "training/runs/main/tokenizer.json"), "utf8")) as {
  added_tokens: { id: number; content: string }[];
};
const idOf = (c: string) => json.added_tokens.find((t) => t.content === c)!.id;
const manifest = parseManifest({
  id: "t",
  version: "1",
  format: "flamingo-onnx/1",
  graphs: { vision: "v", lm: "l" },
  architecture: { n_visual_tokens_per_image: 8, visual_token_dim: 8, language_model: { n_layers: 1, n_heads: 1, head_dim: 8, vocab_size: 9 } },
  image_preprocessing: { size: [32, 32], resize: "bilinear", channel_layout: "NCHW", channel_order: "RGB", scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
  special_tokens: {
    image: { content: "<image>", id: idOf("<image>") },
    end_of_chunk: { content: "<|endofchunk|>", id: idOf("<|endofchunk|>") },
    pad: { content: "<pad>", id: idOf("<pad>") },
    stop_token_id: idOf("<|endofchunk|>"),
  },
  files: Object.fromEntries(["v", "l", "tokenizer.json"].map((n) => [n, { sha256: "0".repeat(64), bytes: 0 }])),
});
const tok = new FlamingoTokenizer(json, {}, manifest);

describe("runtime tokenizer", () => {
  it("builds input_ids, image_index and media locations from prompt parts", () => {
    const r = tok.encodePrompt({
      parts: [
        { type: "text", text: "Two pictures.\n" },
        { type: "image", assetId: "a" },
        { type: "text", text: "Output:wug" },
        { type: "endOfChunk" },
        { type: "text", text: "\n" },
        { type: "image", assetId: "b" },
        { type: "text", text: "Output:" },
      ],
    });
    expect(r.mediaLocations).toEqual(["a", "b"]);
    expect(r.inputIds.filter((i) => i === tok.imageId)).toHaveLength(2);
    // image_index = cumsum(input_ids == image_id) - 1
    let n = -1;
    expect(r.imageIndex).toEqual(r.inputIds.map((id) => (id === tok.imageId ? ++n : n)));
    expect(r.imageIndex[0]).toBe(-1);
    expect(tok.decode(r.inputIds)).toBe("Two pictures.\n<image>Output:wug<|endofchunk|>\n<image>Output:");
  });

  it("encodes part by part exactly as the whole string would be", () => {
    const whole = "<image>Output:dax<|endofchunk|>\n<image>Output:blicket zup<|endofchunk|>\n<image>Output:";
    const parts = tok.encodePrompt({
      parts: [
        { type: "image", assetId: "x" },
        { type: "text", text: "Output:dax" },
        { type: "endOfChunk" },
        { type: "text", text: "\n" },
        { type: "image", assetId: "y" },
        { type: "text", text: "Output:blicket zup" },
        { type: "endOfChunk" },
        { type: "text", text: "\n" },
        { type: "image", assetId: "z" },
        { type: "text", text: "Output:" },
      ],
    });
    // the library, with special tokens parsed, on the serialised prompt
    const lib = (tok as unknown as { tok: { encode(s: string, o: object): { ids: number[] } } }).tok.encode(whole, { add_special_tokens: false }).ids;
    expect(parts.inputIds).toEqual(lib);
  });

  it("never turns typed special-token text into special tokens", () => {
    for (const text of ["<image>", "a <image> b", "(<image>)", "x<|endofchunk|>y <pad>", "<<image>>", "<image><image>"]) {
      const ids = tok.encodeText(text);
      for (const id of ids) expect(tok.isSpecial(id), `${text}: ${ids.join(",")}`).toBe(false);
      expect(tok.decode(ids)).toBe(text);
    }
  });

  it("encodes any Unicode text without loss", () => {
    for (const text of ["héllo wörld", "🦩 flamingo", "日本語", "tabs\tand\nnewlines  "]) {
      expect(tok.decode(tok.encodeText(text))).toBe(text);
    }
  });

  it("refuses a manifest whose special ids disagree with tokenizer.json", () => {
    const bad = parseManifest({ ...manifest, special_tokens: { ...manifest.special_tokens, image: { content: "<image>", id: 3 } } });
    expect(() => new FlamingoTokenizer(json, {}, bad)).toThrow(/<image>/);
  });
});
