/**
 * The transformers.js engine form's pure parts: its values (a model reference, a dtype per ONNX module with
 * q4f16 as the default, the device preference, the prompt style, an image limit), the bodies it sends
 * (POST /api/engines with kind "transformersjs", PATCH /api/engines/:id), and its checks, which are the
 * registry's own rules (lib/engines/schema.ts). Unit-tested in tests/unit/engine-browser-form.test.ts.
 */
import { BrowserEngineInputSchema } from "@/lib/engines/schema";
import type { EngineSummary, PromptStyle } from "@/lib/engines/types";
import { SMOLVLM_256M, TFJS_MODULES, type TfjsDevicePreference, type TfjsDtype, type TfjsDtypeName, type TfjsModule } from "@/lib/backends/transformersjs/settings";
import { fieldErrors, type FieldErrors } from "./form";

export interface BrowserFormValues {
  name: string;
  model: string;
  /** One dtype per module (the form shows three selects; the same for all is sent as one string). */
  dtype: Record<TfjsModule, TfjsDtypeName>;
  device: TfjsDevicePreference;
  promptStyle: PromptStyle;
  /** "" = no limit (SmolVLM / Idefics3 take images anywhere in the text). */
  maxImages: string;
}

/** POST /api/engines for a transformers.js engine. */
export interface BrowserEngineCreateBody {
  kind: "transformersjs";
  name: string;
  model: string;
  dtype: TfjsDtype;
  device: TfjsDevicePreference;
  promptStyle: PromptStyle;
  maxImages: number | null;
}

export type BrowserEnginePatchBody = Omit<BrowserEngineCreateBody, "kind">;

/** The dtype each module gets unless the user picks: q4f16 (about 190 MB for SmolVLM-256M; needs WebGPU with shader-f16, else it loads q4). */
export const DEFAULT_DTYPE: TfjsDtypeName = "q4f16";

const perModule = (d: TfjsDtype): Record<TfjsModule, TfjsDtypeName> =>
  typeof d === "string" ? { vision_encoder: d, embed_tokens: d, decoder_model_merged: d } : { vision_encoder: d.vision_encoder, embed_tokens: d.embed_tokens, decoder_model_merged: d.decoder_model_merged };

/** One dtype when every module has the same, else the per-module object. */
export function dtypeOf(v: Record<TfjsModule, TfjsDtypeName>): TfjsDtype {
  const first = v[TFJS_MODULES[0]];
  return TFJS_MODULES.every((m) => v[m] === first) ? first : { ...v };
}

export function emptyBrowserForm(): BrowserFormValues {
  return { name: "", model: SMOLVLM_256M, dtype: perModule(DEFAULT_DTYPE), device: "auto", promptStyle: "turns", maxImages: "" };
}

export function browserFormFromEngine(e: EngineSummary): BrowserFormValues {
  const b = e.browser;
  if (!b) return { ...emptyBrowserForm(), name: e.name };
  return { name: e.name, model: b.model, dtype: perModule(b.dtype), device: b.device, promptStyle: b.promptStyle, maxImages: b.maxImages === null ? "" : String(b.maxImages) };
}

/** Check the values and build the bodies (the server checks everything again). */
export function parseBrowserForm(values: BrowserFormValues): { errors: FieldErrors; body: { create: BrowserEngineCreateBody; patch: BrowserEnginePatchBody } | null } {
  const errors: FieldErrors = {};
  let maxImages: number | null = null;
  if (values.maxImages.trim()) {
    const t = values.maxImages.trim();
    maxImages = /^\d{1,3}$/.test(t) && Number(t) >= 1 && Number(t) <= 256 ? Number(t) : null;
    if (maxImages === null) (errors.maxImages ??= []).push("Enter a whole number from 1 to 256, or leave it empty for no limit.");
  }
  const create: BrowserEngineCreateBody = {
    kind: "transformersjs",
    name: values.name.trim(),
    model: values.model.trim(),
    dtype: dtypeOf(values.dtype),
    device: values.device,
    promptStyle: values.promptStyle,
    maxImages,
  };
  if (!create.name) (errors.name ??= []).push("Give the engine a name.");
  const checked = BrowserEngineInputSchema.safeParse(create);
  if (!checked.success) {
    const placed = fieldErrors(checked.error.issues.map((i) => ({ path: i.path.filter((x): x is string | number => typeof x !== "symbol"), message: i.message })));
    for (const [k, v] of Object.entries(placed) as [keyof FieldErrors, string[]][]) if (!errors[k]) errors[k] = v;
  }
  if (Object.keys(errors).length > 0) return { errors, body: null };
  const { kind: _kind, ...patch } = create;
  return { errors, body: { create, patch } };
}
