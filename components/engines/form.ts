/**
 * The engine form's pure parts: its values and defaults, the presets, seconds ⇄ milliseconds, the
 * request bodies it sends (POST /api/engines, PATCH /api/engines/:id, POST /api/engines/test), the
 * checks worth doing before a round trip, and the API's error details placed on their fields.
 */
import { ApiError, type ApiErrorDetail } from "@/lib/api-client";
import { EngineInputSchema, EnginePatchSchema } from "@/lib/engines/schema";
import { DEFAULT_REMOTE_SETTINGS, type EngineSummary, type ImageFormat, type PromptStyle } from "@/lib/engines/types";

/** One extra-header row; `id` only keys the row in the list. */
export interface HeaderRow {
  id: number;
  name: string;
  value: string;
}

/** The form as the user edits it: numbers stay text until they are sent ("" is meaningful for some). */
export interface EngineFormValues {
  name: string;
  baseUrl: string;
  model: string;
  /** Typed key; when editing, empty keeps the stored one. */
  apiKey: string;
  /** Editing: clear the stored key. */
  removeKey: boolean;
  /** Sent only when `replaceHeaders`: when editing, the stored values are never shown, only replaced. */
  headers: HeaderRow[];
  replaceHeaders: boolean;
  timeoutSeconds: string;
  maxConcurrency: string;
  /** "" = no limit. */
  maxImages: string;
  imageFormat: ImageFormat;
  /** "" = as stored. */
  maxSide: string;
  promptStyle: PromptStyle;
  systemPrompt: string;
}

/** POST /api/engines (and POST /api/engines/test). */
export interface EngineCreateBody {
  name: string;
  baseUrl: string;
  model: string;
  apiKey?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxConcurrency?: number;
  maxImages?: number | null;
  image?: { format: ImageFormat; maxSide: number | null };
  promptStyle?: PromptStyle;
  systemPrompt?: string | null;
}

/** PATCH /api/engines/:id: `apiKey` null clears it, absent keeps it; `headers` replaces them, absent keeps them. */
export type EnginePatchBody = Partial<Omit<EngineCreateBody, "apiKey">> & { apiKey?: string | null };

export type FieldName =
  | "name"
  | "baseUrl"
  | "model"
  | "apiKey"
  | "headers"
  | "timeout"
  | "maxConcurrency"
  | "maxImages"
  | "imageFormat"
  | "maxSide"
  | "promptStyle"
  | "systemPrompt"
  | "dtype"
  | "device"
  | "form";

export type FieldErrors = Partial<Record<FieldName, string[]>>;

/** Milliseconds as the seconds field shows them: 60000 → "60", 2500 → "2.5". */
export function msToSeconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/** The seconds field as whole milliseconds; null when it is not a positive number. */
export function secondsToMs(text: string): number | null {
  const t = text.trim();
  if (!/^\d*\.?\d+$|^\d+\.$/.test(t)) return null;
  const ms = Math.round(Number(t) * 1000);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

export type PresetId = "vllm" | "llama-server" | "ollama";

export interface EnginePreset {
  id: PresetId;
  label: string;
  baseUrl: string;
  promptStyle: PromptStyle;
  /** One line on what the preset assumes. */
  hint: string;
}

export const ENGINE_PRESETS: readonly EnginePreset[] = [
  {
    id: "vllm",
    label: "vLLM",
    baseUrl: "http://localhost:8000/v1",
    promptStyle: "interleaved",
    hint: "vllm serve on its default port; several images per message (raise --limit-mm-per-prompt for more shots).",
  },
  {
    id: "llama-server",
    label: "llama.cpp (llama-server)",
    baseUrl: "http://localhost:8080/v1",
    promptStyle: "turns",
    hint: "llama-server with --mmproj on its default port; demonstrations as chat turns.",
  },
  {
    id: "ollama",
    label: "Ollama",
    baseUrl: "http://localhost:11434/v1",
    promptStyle: "turns",
    hint: "Ollama's OpenAI-compatible API on its default port; demonstrations as chat turns.",
  },
];

/** The preset's base URL and prompt style over the form's values (everything else stays). */
export function applyPreset(values: EngineFormValues, id: PresetId): EngineFormValues {
  const p = ENGINE_PRESETS.find((x) => x.id === id);
  return p ? { ...values, baseUrl: p.baseUrl, promptStyle: p.promptStyle } : values;
}

let nextRowId = 1;
/** A header row with a fresh key. */
export function headerRow(name = "", value = ""): HeaderRow {
  return { id: nextRowId++, name, value };
}

/** A new engine's form: the server's defaults. */
export function emptyForm(): EngineFormValues {
  const d = DEFAULT_REMOTE_SETTINGS;
  return {
    name: "",
    baseUrl: "",
    model: "",
    apiKey: "",
    removeKey: false,
    headers: [],
    replaceHeaders: true,
    timeoutSeconds: msToSeconds(d.timeoutMs),
    maxConcurrency: String(d.maxConcurrency),
    maxImages: d.maxImages === null ? "" : String(d.maxImages),
    imageFormat: d.image.format,
    maxSide: d.image.maxSide === null ? "" : String(d.image.maxSide),
    promptStyle: d.promptStyle,
    systemPrompt: d.systemPrompt ?? "",
  };
}

/** A stored engine's form: its settings, no secrets (the key field empty, the headers kept unless replaced). */
export function formFromEngine(engine: EngineSummary): EngineFormValues {
  const base = emptyForm();
  const s = engine.settings;
  if (!s) return { ...base, name: engine.name };
  return {
    ...base,
    name: engine.name,
    baseUrl: s.baseUrl,
    model: s.model,
    replaceHeaders: engine.headerNames.length === 0,
    timeoutSeconds: msToSeconds(s.timeoutMs),
    maxConcurrency: String(s.maxConcurrency),
    maxImages: s.maxImages === null ? "" : String(s.maxImages),
    imageFormat: s.image.format,
    maxSide: s.image.maxSide === null ? "" : String(s.image.maxSide),
    promptStyle: s.promptStyle,
    systemPrompt: s.systemPrompt ?? "",
  };
}

/** Start replacing the stored headers: one row per stored name, values to type again. */
export function replaceHeaderRows(names: readonly string[]): HeaderRow[] {
  return names.length > 0 ? names.map((n) => headerRow(n)) : [headerRow()];
}

/** Whether the values differ from `initial` in anything that would be sent. */
export function isDirty(values: EngineFormValues, initial: EngineFormValues): boolean {
  const strip = (v: EngineFormValues) => ({ ...v, headers: v.headers.map(({ name, value }) => ({ name, value })) });
  return JSON.stringify(strip(values)) !== JSON.stringify(strip(initial));
}

/** The timeout field's range, in seconds (the API takes 1000–600000 ms). */
export const TIMEOUT_S = { min: 1, max: 600 } as const;

/** RFC 9110 token characters: what a header name may hold. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function wholeNumber(text: string, min: number): number | null {
  const t = text.trim();
  if (!/^\d{1,9}$/.test(t)) return null;
  const n = Number(t);
  return n >= min ? n : null;
}

export interface ParsedForm {
  /** The POST body (also what POST /api/engines/test takes). */
  create: EngineCreateBody;
  /** The PATCH body: every setting, the key and the headers only when changed. */
  patch: EnginePatchBody;
}

/**
 * Check the values and build the bodies. `editing` changes what empty means for the key (keep)
 * and the headers (kept unless `replaceHeaders`). The server checks everything again.
 */
export function parseForm(values: EngineFormValues, { editing = false }: { editing?: boolean } = {}): { errors: FieldErrors; body: ParsedForm | null } {
  const errors: FieldErrors = {};
  const fail = (f: FieldName, message: string) => void (errors[f] ??= []).push(message);

  const name = values.name.trim();
  if (!name) fail("name", "Give the engine a name.");

  const baseUrl = values.baseUrl.trim().replace(/\/+$/, "");
  if (!baseUrl) fail("baseUrl", "Enter the API root, e.g. http://gpu-box:8000/v1.");
  else if (!isHttpUrl(baseUrl)) fail("baseUrl", "Enter an http:// or https:// URL, e.g. http://gpu-box:8000/v1.");

  const model = values.model.trim();
  if (!model) fail("model", "Enter the model id the endpoint serves.");

  const timeoutMs = secondsToMs(values.timeoutSeconds);
  if (timeoutMs === null) fail("timeout", "Enter a number of seconds greater than 0.");
  // The server's range is in milliseconds: say it in seconds here.
  else if (timeoutMs < TIMEOUT_S.min * 1000 || timeoutMs > TIMEOUT_S.max * 1000) fail("timeout", `Enter ${TIMEOUT_S.min} to ${TIMEOUT_S.max} seconds.`);

  const maxConcurrency = wholeNumber(values.maxConcurrency, 1);
  if (maxConcurrency === null) fail("maxConcurrency", "Enter a whole number, 1 or more.");

  let maxImages: number | null = null;
  if (values.maxImages.trim()) {
    maxImages = wholeNumber(values.maxImages, 1);
    if (maxImages === null) fail("maxImages", "Enter a whole number, 1 or more, or leave it empty for no limit.");
  }

  let maxSide: number | null = null;
  if (values.maxSide.trim()) {
    maxSide = wholeNumber(values.maxSide, 1);
    if (maxSide === null) fail("maxSide", "Enter a whole number of pixels, or leave it empty to send images as stored.");
  }

  let headers: Record<string, string> | undefined;
  if (values.replaceHeaders) {
    headers = {};
    const seen = new Set<string>();
    for (const row of values.headers) {
      const n = row.name.trim();
      if (!n && !row.value) continue;
      if (!n) fail("headers", "A header value has no name.");
      else if (!HEADER_NAME.test(n)) fail("headers", `“${n}” is not a valid header name.`);
      else if (seen.has(n.toLowerCase())) fail("headers", `“${n}” is given twice.`);
      else if (!row.value.trim()) fail("headers", `Enter a value for “${n}”, or remove the row.`);
      else {
        seen.add(n.toLowerCase());
        headers[n] = row.value;
      }
    }
  }

  const apiKey = values.apiKey.trim();
  const systemPrompt = values.systemPrompt.trim() ? values.systemPrompt : null;
  if (Object.keys(errors).length > 0 || timeoutMs === null || maxConcurrency === null) return { errors, body: null };

  const settings = {
    baseUrl,
    model,
    timeoutMs,
    maxConcurrency,
    maxImages,
    image: { format: values.imageFormat, maxSide },
    promptStyle: values.promptStyle,
    systemPrompt,
  };
  const create: EngineCreateBody = {
    name,
    ...settings,
    ...(apiKey ? { apiKey } : {}),
    ...(headers && Object.keys(headers).length > 0 ? { headers } : {}),
  };
  const patch: EnginePatchBody = {
    name,
    ...settings,
    ...(editing && values.removeKey ? { apiKey: null } : apiKey ? { apiKey } : {}),
    ...(headers ? { headers } : {}),
  };
  // The API's own rules (lib/engines/schema.ts) for the rest: lengths, ranges, reserved headers, key format.
  const checked = (editing ? EnginePatchSchema : EngineInputSchema).safeParse(editing ? patch : create);
  if (!checked.success) {
    const details = checked.error.issues.map((i) => ({ path: i.path.filter((x): x is string | number => typeof x !== "symbol"), message: i.message }));
    return { errors: fieldErrors(details), body: null };
  }
  return { errors, body: { create, patch } };
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === "http:" || u.protocol === "https:") && Boolean(u.hostname);
  } catch {
    return false;
  }
}

/** A detail's path as segments (the API sends an array; "image.maxSide" as text is accepted too). */
function segments(path: ApiErrorDetail["path"] | string | undefined): (string | number)[] {
  if (typeof path === "string") return path.split(".").filter(Boolean);
  return path ?? [];
}

/** The field a request-body path belongs to ("form" when none does). */
export function fieldForPath(path: ApiErrorDetail["path"] | string | undefined): FieldName {
  const [head, next] = segments(path);
  switch (head) {
    case "name":
    case "baseUrl":
    case "model":
    case "apiKey":
    case "headers":
    case "maxConcurrency":
    case "maxImages":
    case "promptStyle":
    case "systemPrompt":
    case "dtype":
    case "device":
      return head;
    case "timeoutMs":
      return "timeout";
    case "image":
      return next === "maxSide" ? "maxSide" : "imageFormat";
    default:
      return "form";
  }
}

/** The API's error details grouped by field; a header's message names the header. */
export function fieldErrors(details: readonly ApiErrorDetail[]): FieldErrors {
  const out: FieldErrors = {};
  for (const d of details) {
    const [head, header] = segments(d.path);
    const message = head === "headers" && typeof header === "string" ? `“${header}” ${d.message}` : d.message;
    (out[fieldForPath(d.path)] ??= []).push(message);
  }
  return out;
}

/**
 * A failed save placed on the form: validation details beside their fields, a 409 (the name is
 * taken) on the name; `unplaced` is what only the form-level notice can show.
 */
export function saveFailure(err: unknown): { errors: FieldErrors; unplaced: boolean } {
  if (err instanceof ApiError && err.details.length > 0) {
    const errors = fieldErrors(err.details);
    return { errors, unplaced: Boolean(errors.form) };
  }
  if (err instanceof ApiError && err.status === 409) return { errors: { name: [err.message] }, unplaced: false };
  return { errors: {}, unplaced: true };
}
