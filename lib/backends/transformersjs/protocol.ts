/**
 * Messages between the UI thread (client.ts) and the transformers.js worker (workers/transformersjs.worker.ts,
 * which runs worker-core.ts). Discriminated unions keyed by `type`; every message carries the request `id` it
 * belongs to. Requests are validated with zod in the worker. Importing this never loads transformers.js.
 */
import { z } from "zod";
import type { CandidateScore, GenerateResult, TokenEvent } from "@/lib/runtime/engine";
import { GenerateParamsSchema, PromptSequenceSchema } from "@/lib/runtime/requests";
import type { SerializedError } from "@/lib/backends/browser/protocol";
import { TfjsDevicePreference, TfjsDtypeSchema, TfjsModelRefSchema, type TfjsDtype } from "./settings";

export type { SerializedError } from "@/lib/backends/browser/protocol";
export { serializeError } from "@/lib/backends/browser/protocol";

const id = z.string().min(1).max(100);

export const TfjsLoadSchema = z.object({
  model: TfjsModelRefSchema,
  dtype: TfjsDtypeSchema.default("fp32"),
  device: TfjsDevicePreference.default("auto"),
  promptStyle: z.enum(["turns", "interleaved"]).default("turns"),
  /** Load from the Hugging Face hub (false: only folders by URL or path; the tests). */
  allowRemote: z.boolean().default(true),
  /** Use WebGPU even on a software adapter (SwiftShader): tests; the UI falls back to WASM instead. */
  allowSoftwareAdapter: z.boolean().optional(),
  /** URL prefix for image bytes by asset id (default "/api/assets/"). */
  assetUrl: z.string().optional(),
  /** Where onnxruntime-web's .mjs/.wasm are served (default the app's self-hosted /ort/<version>/). */
  wasmPaths: z.string().optional(),
});
export type TfjsLoadRequest = z.input<typeof TfjsLoadSchema>;

export const TfjsRequestSchema = z.discriminatedUnion("type", [
  TfjsLoadSchema.extend({ type: z.literal("load"), id }),
  z.object({ type: z.literal("generate"), id, prompt: PromptSequenceSchema, params: GenerateParamsSchema.default({}) }),
  z.object({ type: z.literal("score"), id, prompt: PromptSequenceSchema, candidates: z.array(z.string().min(1)).min(1).max(1000), appendEndOfChunk: z.boolean().optional() }),
  /** The exact text the model sees for a prompt (its chat template applied). */
  z.object({ type: z.literal("render"), id, prompt: PromptSequenceSchema }),
  /** Cancel the request `target` (between decode steps / candidates). */
  z.object({ type: z.literal("cancel"), id, target: id }),
  /** A model's files and their sizes before download (HEAD requests; the cache answers for files it holds). */
  z.object({ type: z.literal("size"), id, model: TfjsModelRefSchema, dtype: TfjsDtypeSchema.default("fp32") }),
  /** What this browser keeps of a model (Cache API): files and bytes. */
  z.object({ type: z.literal("cacheInfo"), id, model: TfjsModelRefSchema }),
  /** Remove a model's files from this browser (unloading it first if it is the loaded one). */
  z.object({ type: z.literal("evict"), id, model: TfjsModelRefSchema }),
]);
export type TfjsRequest = z.input<typeof TfjsRequestSchema>;

/** One file's progress during a load; `loadedBytes`/`totalBytes` over every file seen so far. */
export interface TfjsProgress {
  file: string;
  status: "initiate" | "download" | "progress" | "done";
  loaded: number;
  total: number;
  /** Whether this file came from the browser's cache (known once it is looked up). */
  fromCache?: boolean;
  loadedBytes: number;
  totalBytes: number;
}

export interface TfjsLoadedInfo {
  model: string;
  /** What runs it: "webgpu" or "wasm" ("cpu" in Node). */
  executionProvider: "webgpu" | "wasm" | "cpu";
  dtype: TfjsDtype;
  /** Why the preferred device was not used (no WebGPU, no shader-f16, a session that failed…). */
  fallbackReason?: string;
  /** Every file came from this browser's cache. */
  fromCache: boolean;
  /** Files and bytes read, and which came from the cache. */
  files: { file: string; bytes: number; fromCache: boolean }[];
}

export interface TfjsCacheInfo {
  files: { url: string; bytes: number }[];
  bytes: number;
}

export interface TfjsModelSize {
  /** Every file a load reads, its size (null: unknown, or absent when optional) and whether it is cached. */
  files: { file: string; bytes: number | null; cached: boolean }[];
  /** Sum of the known sizes. */
  bytes: number;
  /** Required files the server does not have (a wrong layout or dtype). */
  missing: string[];
}

export type TfjsResponse =
  | ({ type: "progress"; id: string } & TfjsProgress)
  | { type: "loaded"; id: string; info: TfjsLoadedInfo }
  | { type: "token"; id: string; event: TokenEvent }
  | { type: "generated"; id: string; result: GenerateResult }
  | { type: "scored"; id: string; scores: CandidateScore[] }
  | { type: "rendered"; id: string; text: string }
  | { type: "cache"; id: string; cache: TfjsCacheInfo }
  | { type: "size"; id: string; size: TfjsModelSize }
  | { type: "done"; id: string }
  | { type: "error"; id: string; error: SerializedError };
