/**
 * What a remote engine's settings may be: one set of zod rules for the API bodies (app/api/engines),
 * the declared engines (STUDIO_ENGINES) and the registry itself. Browser-safe (no node: imports), so
 * the engine form may check the same rules. Messages never quote the value (it may be a secret).
 */
import { z } from "zod";
import { TfjsDevicePreference, TfjsDtypeSchema, TfjsModelRefSchema } from "@/lib/backends/transformersjs/settings";
import { DEFAULT_REMOTE_SETTINGS, type BrowserEngineSettings, type RemoteEngineSettings } from "./types";

const NO_NUL = "must not contain NUL characters";
const noNul = (s: string) => !s.includes("\0");

/** Header names the app sets itself, or that carry the key (which has its own, encrypted, field). */
export const RESERVED_HEADERS: Record<string, string> = {
  authorization: "is sent from the API key field: put the key in API key",
  "content-type": "is set by the app: use the API key field for credentials",
  "content-length": "is set by the app: use the API key field for credentials",
  host: "is set by the app: use the API key field for credentials",
};
export const MAX_HEADERS = 20;
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/** A trimmed, non-empty string of at most `max` characters, without NUL. */
const requiredText = (max: number) =>
  z
    .string()
    .refine(noNul, NO_NUL)
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`);

export const EngineNameSchema = requiredText(100);

export const EngineModelSchema = requiredText(200);

/** An http(s) API root without credentials, query or fragment; trailing slashes removed. */
export const BaseUrlSchema = requiredText(2000).transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an http:// or https:// URL, e.g. http://gpu-1:8000/v1" });
      return z.NEVER;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      ctx.addIssue({ code: "custom", message: "must start with http:// or https://" });
      return z.NEVER;
    }
    if (url.username !== "" || url.password !== "") {
      ctx.addIssue({ code: "custom", message: "must not contain a user name or password: put the key in API key" });
      return z.NEVER;
    }
    if (url.search !== "" || url.hash !== "") {
      ctx.addIssue({ code: "custom", message: "must not have a query string or fragment (requests go to <base URL>/chat/completions)" });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, "");
  });

export const ApiKeySchema = z
  .string()
  .refine(noNul, NO_NUL)
  .trim()
  .min(1, "must not be empty (leave it out to keep it, or send null to remove it)")
  .max(4096, "must be at most 4096 characters")
  .regex(/^[\x21-\x7e]+$/, 'must be the key alone: printable ASCII without spaces (no "Bearer " prefix)');

const HeaderValueSchema = z
  .string()
  .refine(noNul, NO_NUL)
  .trim()
  .min(1, "must not be empty")
  .max(8192, "must be at most 8192 characters")
  .regex(/^[\t\x20-\x7e]*$/, "must be printable ASCII on one line");

/** Extra request headers (values may be secrets): at most 20, token names, none the app sets itself. */
export const HeadersSchema = z.record(z.string(), HeaderValueSchema).superRefine((headers, ctx) => {
  const names = Object.keys(headers);
  if (names.length > MAX_HEADERS) ctx.addIssue({ code: "custom", message: `must have at most ${MAX_HEADERS} headers` });
  const seen = new Map<string, string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) {
      ctx.addIssue({ code: "custom", path: [name], message: "is not a valid header name (letters, digits and !#$%&'*+.^_`|~- only, at most 100)" });
      continue;
    }
    const reserved = RESERVED_HEADERS[lower];
    if (reserved) ctx.addIssue({ code: "custom", path: [name], message: reserved });
    const twin = seen.get(lower);
    if (twin !== undefined) ctx.addIssue({ code: "custom", path: [name], message: `repeats the header ${twin} (names are case-insensitive)` });
    seen.set(lower, name);
  }
});

const int = (min: number, max: number, unit: string) =>
  z
    .number({ error: `must be a number (${unit})` })
    .int(`must be a whole number (${unit})`)
    .min(min, `must be at least ${min} (${unit})`)
    .max(max, `must be at most ${max} (${unit})`);

export const TimeoutMsSchema = int(1000, 600_000, "milliseconds");
export const MaxConcurrencySchema = int(1, 64, "requests");
export const MaxImagesSchema = int(1, 1000, "images").nullable();
export const ImageSchema = z.strictObject({
  format: z.enum(["jpeg", "png"], { error: 'must be "jpeg" or "png"' }).optional(),
  maxSide: int(64, 4096, "pixels").nullable().optional(),
});
export const PromptStyleSchema = z.enum(["interleaved", "turns"], { error: 'must be "interleaved" or "turns"' });
/** Empty (or only whitespace) means none. */
export const SystemPromptSchema = z
  .string()
  .refine(noNul, NO_NUL)
  .max(10_000, "must be at most 10000 characters")
  .nullable()
  .transform((v) => (v === null || v.trim() === "" ? null : v));

const settingsShape = {
  baseUrl: BaseUrlSchema,
  model: EngineModelSchema,
  timeoutMs: TimeoutMsSchema.optional(),
  maxConcurrency: MaxConcurrencySchema.optional(),
  maxImages: MaxImagesSchema.optional(),
  image: ImageSchema.optional(),
  promptStyle: PromptStyleSchema.optional(),
  systemPrompt: SystemPromptSchema.optional(),
};

/** A new remote engine (POST /api/engines, POST /api/engines/test). Unset settings take DEFAULT_REMOTE_SETTINGS. */
export const EngineInputSchema = z.strictObject({
  /** Absent: "openai" (bodies from before there were other kinds). */
  kind: z.literal("openai").optional(),
  name: EngineNameSchema,
  ...settingsShape,
  /** null: none (same as leaving it out). */
  apiKey: ApiKeySchema.nullable().optional(),
  headers: HeadersSchema.optional(),
});
export type EngineInput = z.output<typeof EngineInputSchema>;

/** Most images per prompt (null: the model takes any number, SmolVLM / Idefics3). */
export const BrowserMaxImagesSchema = int(1, 256, "images").nullable();
const DtypeSchema = TfjsDtypeSchema;
const DeviceSchema = TfjsDevicePreference;

/**
 * A new transformers.js engine: run in the user's browser (its worker), never on the server. `model` is a
 * hub id (org/name), or the URL / absolute path of a folder in the published layout. Defaults: q4f16 for
 * every module, the device chosen by the browser (WebGPU with shader-f16, else WASM), "turns", no image limit.
 */
export const BrowserEngineInputSchema = z.strictObject({
  kind: z.literal("transformersjs"),
  name: EngineNameSchema,
  model: TfjsModelRefSchema,
  dtype: DtypeSchema.optional(),
  device: DeviceSchema.optional(),
  promptStyle: PromptStyleSchema.optional(),
  maxImages: BrowserMaxImagesSchema.optional(),
});
export type BrowserEngineInput = z.output<typeof BrowserEngineInputSchema>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Any new engine: `kind` picks the rules ("openai" when absent). */
export const AnyEngineInputSchema = z.preprocess(
  (v) => (isObject(v) && v.kind === undefined ? { ...v, kind: "openai" } : v),
  z.discriminatedUnion("kind", [EngineInputSchema.extend({ kind: z.literal("openai") }), BrowserEngineInputSchema], {
    error: (issue) => (issue.code === "invalid_union" ? 'kind must be "openai" or "transformersjs"' : undefined),
  }),
);
export type AnyEngineInput = EngineInput | BrowserEngineInput;

/** A transformers.js engine's settings, defaults filled in. */
export function browserSettingsFromInput(input: Pick<BrowserEngineInput, "model" | "dtype" | "device" | "promptStyle" | "maxImages">): BrowserEngineSettings {
  return {
    model: input.model,
    dtype: input.dtype ?? "q4f16",
    device: input.device ?? "auto",
    promptStyle: input.promptStyle ?? "turns",
    maxImages: input.maxImages ?? null,
  };
}

/**
 * A change (PATCH /api/engines/:id): absent fields are kept. `apiKey`: a string sets it, null removes
 * it. `headers`: an object replaces them all, null removes them. `image` changes only the fields given.
 */
export const EnginePatchSchema = z.strictObject({
  name: EngineNameSchema.optional(),
  baseUrl: BaseUrlSchema.optional(),
  /** Checked by kind where it is applied (a remote model name, or a transformers.js model reference). */
  model: requiredText(2000).optional(),
  timeoutMs: TimeoutMsSchema.optional(),
  maxConcurrency: MaxConcurrencySchema.optional(),
  maxImages: MaxImagesSchema.optional(),
  image: ImageSchema.optional(),
  promptStyle: PromptStyleSchema.optional(),
  systemPrompt: SystemPromptSchema.optional(),
  apiKey: ApiKeySchema.nullable().optional(),
  headers: HeadersSchema.nullable().optional(),
  /** transformers.js engines only. */
  dtype: DtypeSchema.optional(),
  device: DeviceSchema.optional(),
});
export type EnginePatch = z.output<typeof EnginePatchSchema>;

/** Registry ids that routes accept (lib/http/params.ts IdSchema's alphabet). */
export const ENGINE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * One entry of STUDIO_ENGINES / STUDIO_ENGINES_FILE: a new engine plus an optional `id` (default
 * `declared-<slug of name>`) and `apiKeyEnv`, the name of a variable holding the key (instead of `apiKey`).
 */
export const DeclaredEngineSchema = EngineInputSchema.extend({
  id: z
    .string()
    .regex(ENGINE_ID, "must be 1-64 letters, digits, - or _")
    .refine((id) => id !== "test", '"test" is reserved (POST /api/engines/test)')
    .optional(),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "must be the name of an environment variable")
    .optional(),
}).refine((e) => e.apiKey == null || e.apiKeyEnv === undefined, { message: "give apiKey or apiKeyEnv, not both", path: ["apiKeyEnv"] });
export type DeclaredEngineInput = z.output<typeof DeclaredEngineSchema>;

/** The settings of a new engine, defaults filled in. */
export function settingsFromInput(input: Pick<EngineInput, keyof typeof settingsShape>): RemoteEngineSettings {
  const d = DEFAULT_REMOTE_SETTINGS;
  return {
    baseUrl: input.baseUrl,
    model: input.model,
    timeoutMs: input.timeoutMs ?? d.timeoutMs,
    maxConcurrency: input.maxConcurrency ?? d.maxConcurrency,
    maxImages: input.maxImages === undefined ? d.maxImages : input.maxImages,
    image: {
      format: input.image?.format ?? d.image.format,
      maxSide: input.image?.maxSide === undefined ? d.image.maxSide : input.image.maxSide,
    },
    promptStyle: input.promptStyle ?? d.promptStyle,
    systemPrompt: input.systemPrompt === undefined ? d.systemPrompt : input.systemPrompt,
  };
}

/** `declared-<slug>`: lowercase letters and digits joined by single dashes. */
export function declaredIdFor(name: string): string {
  const slug = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 55)
    .replace(/-+$/, "");
  return `declared-${slug || "engine"}`;
}
