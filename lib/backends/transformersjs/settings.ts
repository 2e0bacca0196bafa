/**
 * A transformers.js engine's settings: which model (a hub id, or a URL / path of a folder in the same layout),
 * the dtype of each ONNX module, the device preference and the prompt style. Pure and browser-safe (zod only):
 * the registry, the engine form and the worker check the same rules. Importing this never loads transformers.js.
 */
import { z } from "zod";

/** The ONNX modules of a transformers.js Idefics3 / SmolVLM or Qwen2-VL export (`onnx/<module><suffix>.onnx`). */
export const TFJS_MODULES = ["vision_encoder", "embed_tokens", "decoder_model_merged"] as const;
export type TfjsModule = (typeof TFJS_MODULES)[number];

/** dtypes a transformers.js export may offer, with the file suffix each one loads (utils/dtypes.js). */
export const TFJS_DTYPES = { fp32: "", fp16: "_fp16", q8: "_quantized", int8: "_int8", q4: "_q4", q4f16: "_q4f16" } as const;
export type TfjsDtypeName = keyof typeof TFJS_DTYPES;
const DtypeName = z.enum(Object.keys(TFJS_DTYPES) as [TfjsDtypeName, ...TfjsDtypeName[]]);

/** One dtype for every module, or one per module. */
export const TfjsDtypeSchema = z.union([DtypeName, z.object({ vision_encoder: DtypeName, embed_tokens: DtypeName, decoder_model_merged: DtypeName }).strict()]);
export type TfjsDtype = z.infer<typeof TfjsDtypeSchema>;

/** What runs it: WebGPU (with the `shader-f16` check and a visible WASM fallback), WASM, or CPU (Node only). */
export type TfjsDevice = "webgpu" | "wasm" | "cpu";
export const TfjsDevicePreference = z.enum(["auto", "webgpu", "wasm"]);
export type TfjsDevicePreference = z.infer<typeof TfjsDevicePreference>;

const HUB_ID = /^[A-Za-z0-9][\w.-]{0,95}\/[\w.-]{1,96}$/;

/** A hub id (`org/name`), an http(s) URL, or an absolute path (`/models-test/tiny-smolvlm`). */
export const TfjsModelRefSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(2000, "must be at most 2000 characters")
  .refine((s) => !s.includes("\0") && !/\s/.test(s), "must not contain spaces")
  .refine((s) => HUB_ID.test(s) || /^https?:\/\/[^/]+\/.+/.test(s) || /^\/[^/].*/.test(s), "must be a Hugging Face model id (org/name), an http(s) URL of a model folder, or an absolute path (/models/…)")
  .refine((s) => !s.split("/").includes(".."), "must not contain ..");

export const TfjsEngineSettingsSchema = z
  .object({
    model: TfjsModelRefSchema,
    dtype: TfjsDtypeSchema.default("q4f16"),
    device: TfjsDevicePreference.default("auto"),
    promptStyle: z.enum(["turns", "interleaved"]).default("turns"),
    /** Most images one prompt may carry (null: the model takes any number, SmolVLM / Idefics3). */
    maxImages: z.number().int().min(0).max(256).nullable().default(null),
  })
  .strict();
export type TfjsEngineSettings = z.infer<typeof TfjsEngineSettingsSchema>;

export const SMOLVLM_256M = "HuggingFaceTB/SmolVLM-256M-Instruct";

/**
 * Models offered as suggestions where a model id is typed (any export in the same layout works). The families
 * the engine knows: Idefics3 / SmolVLM (images anywhere in the text) and Qwen2-VL (its multimodal RoPE). Sizes are
 * read from the hub before anything downloads, so none are claimed here beyond SmolVLM-256M's.
 */
export const SUGGESTED_BROWSER_MODELS: readonly { id: string; label: string }[] = [
  { id: SMOLVLM_256M, label: "SmolVLM 256M (Idefics3), about 190 MB at q4f16" },
  { id: "HuggingFaceTB/SmolVLM-500M-Instruct", label: "SmolVLM 500M (Idefics3)" },
  { id: "onnx-community/Qwen2-VL-2B-Instruct", label: "Qwen2-VL 2B (larger: check the size before downloading)" },
];

/**
 * Where transformers.js reads a model from. Hub ids load from the hub (the user's network); a URL or path is
 * split into `localModelPath` (its parent, with a trailing slash) and the folder's name, the way
 * transformers.js resolves local models (`env.localModelPath + id + "/" + file`).
 */
export function modelLocation(model: string): { kind: "hub"; id: string } | { kind: "local"; base: string; id: string } {
  const m = model.replace(/\/+$/, "");
  if (HUB_ID.test(m) && !m.startsWith("/")) return { kind: "hub", id: m };
  const cut = m.lastIndexOf("/");
  return { kind: "local", base: m.slice(0, cut + 1), id: m.slice(cut + 1) };
}

/** Files a load reads only when present. */
export const OPTIONAL_FILES: readonly string[] = ["generation_config.json"];

/** Files of a model in this layout, for a given dtype (size listings, cache checks, corrupt-file messages). */
export function modelFiles(dtype: TfjsDtype): string[] {
  const per = (m: TfjsModule) => (typeof dtype === "string" ? dtype : dtype[m]);
  return [
    "config.json",
    "generation_config.json",
    "preprocessor_config.json",
    "processor_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    ...TFJS_MODULES.map((m) => `onnx/${m}${TFJS_DTYPES[per(m)]}.onnx`),
  ];
}

/** The dtype to load on a device: f16 dtypes need WebGPU with `shader-f16`; WASM runs them too, slowly, so fp32 / q8 there. */
export function dtypeForDevice(dtype: TfjsDtype, device: TfjsDevice, shaderF16: boolean): TfjsDtype {
  const fix = (d: TfjsDtypeName): TfjsDtypeName => (device === "webgpu" && !shaderF16 && (d === "fp16" || d === "q4f16") ? (d === "fp16" ? "fp32" : "q4") : d);
  return typeof dtype === "string" ? fix(dtype) : { vision_encoder: fix(dtype.vision_encoder), embed_tokens: fix(dtype.embed_tokens), decoder_model_merged: fix(dtype.decoder_model_merged) };
}
