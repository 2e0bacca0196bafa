/**
 * The pure parts of the transformers.js engine: prompt → chat messages (turns / interleaved), where a model
 * is read from, the dtype a device can load, the settings rules, and the ONNX well-formedness check that
 * names a corrupt file.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { toTfjsMessages } from "@/lib/backends/transformersjs/messages";
import { onnxProblem } from "@/lib/backends/transformersjs/onnx-check";
import { dtypeForDevice, modelFiles, modelLocation, TfjsEngineSettingsSchema } from "@/lib/backends/transformersjs/settings";
import type { PromptSequence } from "@/lib/prompt/sequence";

const twoShot: PromptSequence = {
  parts: [
    { type: "image", assetId: "a" },
    { type: "text", text: "Output:" },
    { type: "text", text: " cat", answer: true },
    { type: "endOfChunk" },
    { type: "text", text: "\n" },
    { type: "image", assetId: "b" },
    { type: "text", text: "Output:" },
    { type: "text", text: " dog", answer: true },
    { type: "endOfChunk" },
    { type: "text", text: "\n" },
    { type: "image", assetId: "c" },
    { type: "text", text: "Output:" },
  ],
};

describe("toTfjsMessages", () => {
  it("turns: each demonstration a user turn with its images, its answer an assistant turn, the query last", () => {
    expect(toTfjsMessages(twoShot, "turns")).toEqual([
      { role: "user", content: [{ type: "image" }, { type: "text", text: "Output:" }] },
      { role: "assistant", content: [{ type: "text", text: " cat" }] },
      { role: "user", content: [{ type: "image" }, { type: "text", text: "Output:" }] },
      { role: "assistant", content: [{ type: "text", text: " dog" }] },
      { role: "user", content: [{ type: "image" }, { type: "text", text: "Output:" }] },
    ]);
  });

  it("interleaved: one user turn, images in order, <|endofchunk|> dropped", () => {
    expect(toTfjsMessages(twoShot, "interleaved")).toEqual([
      {
        role: "user",
        content: [{ type: "image" }, { type: "text", text: "Output: cat\n" }, { type: "image" }, { type: "text", text: "Output: dog\n" }, { type: "image" }, { type: "text", text: "Output:" }],
      },
    ]);
  });
});

describe("settings", () => {
  it("reads hub ids from the hub and folders by their parent path", () => {
    expect(modelLocation("HuggingFaceTB/SmolVLM-256M-Instruct")).toEqual({ kind: "hub", id: "HuggingFaceTB/SmolVLM-256M-Instruct" });
    expect(modelLocation("/models-test/tiny-smolvlm/")).toEqual({ kind: "local", base: "/models-test/", id: "tiny-smolvlm" });
    expect(modelLocation("https://cdn.example.com/m/smol")).toEqual({ kind: "local", base: "https://cdn.example.com/m/", id: "smol" });
  });

  it("validates the model reference and fills defaults", () => {
    expect(TfjsEngineSettingsSchema.parse({ model: "HuggingFaceTB/SmolVLM-256M-Instruct" })).toEqual({
      model: "HuggingFaceTB/SmolVLM-256M-Instruct",
      dtype: "q4f16",
      device: "auto",
      promptStyle: "turns",
      maxImages: null,
    });
    for (const bad of ["", "smolvlm", "/a/../b", "ftp://x/y", "a b/c"]) expect(TfjsEngineSettingsSchema.safeParse({ model: bad }).success, bad).toBe(false);
    expect(TfjsEngineSettingsSchema.safeParse({ model: "a/b", dtype: { vision_encoder: "fp32", embed_tokens: "q8", decoder_model_merged: "q4f16" } }).success).toBe(true);
  });

  it("lists the files a dtype loads, per module", () => {
    expect(modelFiles({ vision_encoder: "fp16", embed_tokens: "q8", decoder_model_merged: "q4f16" }).filter((f) => f.startsWith("onnx/"))).toEqual([
      "onnx/vision_encoder_fp16.onnx",
      "onnx/embed_tokens_quantized.onnx",
      "onnx/decoder_model_merged_q4f16.onnx",
    ]);
  });

  it("loads 16-bit weights as 32-bit / q4 only on a WebGPU without shader-f16", () => {
    expect(dtypeForDevice("q4f16", "webgpu", true)).toBe("q4f16");
    expect(dtypeForDevice("q4f16", "webgpu", false)).toBe("q4");
    expect(dtypeForDevice("fp16", "webgpu", false)).toBe("fp32");
    expect(dtypeForDevice("q4f16", "wasm", false)).toBe("q4f16");
  });
});

describe("onnxProblem", () => {
  const decoder = new Uint8Array(readFileSync(path.resolve(import.meta.dirname, "../fixtures/tiny-smolvlm/onnx/decoder_model_merged.onnx")));
  it("accepts a real model and names what is wrong with a broken one", () => {
    expect(onnxProblem(decoder)).toBeNull();
    expect(onnxProblem(decoder.subarray(0, 1000))).toMatch(/truncated/);
    expect(onnxProblem(new TextEncoder().encode("<!doctype html><title>404</title>"))).not.toBeNull();
    expect(onnxProblem(new Uint8Array())).toBe("the file is empty");
  });
});
