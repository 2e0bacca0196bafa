import { describe, expect, it } from "vitest";
import { browserFormFromEngine, dtypeOf, emptyBrowserForm, parseBrowserForm } from "@/components/engines/browser-form";
import { toRequest, FORM_DEFAULTS } from "@/lib/sweeps/client/form";
import type { EngineSummary } from "@/lib/engines/types";

describe("the transformers.js engine form", () => {
  it("starts on SmolVLM-256M, q4f16 for every module, WebGPU else WASM, no image limit", () => {
    const v = emptyBrowserForm();
    expect(v).toMatchObject({ model: "HuggingFaceTB/SmolVLM-256M-Instruct", device: "auto", promptStyle: "turns", maxImages: "" });
    expect(dtypeOf(v.dtype)).toBe("q4f16");
  });

  it("sends one dtype when every module has it, else one per module", () => {
    const v = { ...emptyBrowserForm(), name: "Tiny", model: "/models-test/tiny-smolvlm" };
    expect(parseBrowserForm(v).body?.create).toEqual({ kind: "transformersjs", name: "Tiny", model: "/models-test/tiny-smolvlm", dtype: "q4f16", device: "auto", promptStyle: "turns", maxImages: null });
    const mixed = parseBrowserForm({ ...v, dtype: { ...v.dtype, vision_encoder: "fp32" }, maxImages: "2", device: "wasm" }).body!;
    expect(mixed.create.dtype).toEqual({ vision_encoder: "fp32", embed_tokens: "q4f16", decoder_model_merged: "q4f16" });
    expect(mixed.patch).toEqual({ name: "Tiny", model: "/models-test/tiny-smolvlm", dtype: mixed.create.dtype, device: "wasm", promptStyle: "turns", maxImages: 2 });
  });

  it("places errors on their fields: no name, a bad model reference, a bad image limit", () => {
    const { errors, body } = parseBrowserForm({ ...emptyBrowserForm(), name: " ", model: "not a model", maxImages: "0" });
    expect(body).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(["maxImages", "model", "name"]);
  });

  it("reads a stored engine back into the form", () => {
    const e = { id: "e1", name: "Tiny", kind: "transformersjs", browser: { model: "/m/tiny", dtype: "fp32", device: "wasm", promptStyle: "interleaved", maxImages: 4 } } as unknown as EngineSummary;
    expect(browserFormFromEngine(e)).toEqual({ name: "Tiny", model: "/m/tiny", dtype: { vision_encoder: "fp32", embed_tokens: "fp32", decoder_model_merged: "fp32" }, device: "wasm", promptStyle: "interleaved", maxImages: "4" });
  });
});

describe("a browser sweep on a transformers.js engine", () => {
  it("names the engine in the request; the bundled model sends none", () => {
    const f = { ...FORM_DEFAULTS, templateId: "t", datasetId: "d", backend: "browser" as const };
    expect(toRequest(f).engines).toBeUndefined();
    expect(toRequest({ ...f, browserEngine: "e1" }).engines).toEqual(["e1"]);
    expect(toRequest({ ...f, backend: "server", browserEngine: "e1" }).engines).toEqual(FORM_DEFAULTS.engines);
  });
});
