/**
 * The one message protocol between the UI thread (client.ts) and the inference worker
 * (workers/inference.worker.ts, which runs worker-core.ts).
 * Discriminated unions keyed by `type`; every message carries the request `id` it belongs to.
 * Requests are validated with zod in the worker; errors travel as `{ name, message, code? }`.
 */
import { z } from "zod";
import type { CandidateScore, GenerateResult, TokenEvent } from "@/lib/runtime/engine";
import { GenerateParamsSchema, PromptSequenceSchema } from "@/lib/runtime/requests";
import type { LoadProgressReport } from "./load-progress";

export const ExecutionProviderPreference = z.enum(["auto", "webgpu", "wasm"]);
export type ExecutionProviderPreference = z.infer<typeof ExecutionProviderPreference>;

const id = z.string().min(1).max(100);

export const WorkerRequestSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("load"),
    id,
    /** Folder URL of the package (manifest.json inside), e.g. "/models/flamingo-mini". */
    packageUrl: z.string().min(1),
    /** URL prefix for image bytes by asset id (default "/api/assets/"). */
    assetUrl: z.string().optional(),
    executionProvider: ExecutionProviderPreference.default("auto"),
    /** Use WebGPU even on a software adapter (SwiftShader): parity tests; the UI falls back to WASM instead. */
    allowSoftwareAdapter: z.boolean().optional(),
    /** Keep WebGPU without timing it against WASM (provider-speed.ts): parity tests that must run on WebGPU. */
    skipSpeedCheck: z.boolean().optional(),
  }),
  z.object({ type: z.literal("generate"), id, prompt: PromptSequenceSchema, params: GenerateParamsSchema.default({}) }),
  z.object({
    type: z.literal("score"),
    id,
    prompt: PromptSequenceSchema,
    candidates: z.array(z.string().min(1)).min(1).max(1000),
    appendEndOfChunk: z.boolean().optional(),
  }),
  /** Next-token logits after the prompt (parity checks, debugging). */
  z.object({ type: z.literal("logits"), id, prompt: PromptSequenceSchema }),
  /** Visual tokens `[L * D]` per image (parity checks). */
  z.object({ type: z.literal("encodeImages"), id, assetIds: z.array(z.string().regex(/^[0-9a-f]{64}$/)).min(1).max(256) }),
  /** Cancel the request `target` (between decode steps). */
  z.object({ type: z.literal("cancel"), id, target: id }),
  z.object({ type: z.literal("setCaching"), id, enabled: z.boolean() }),
  /** Cumulative cache counters of the loaded engine (a browser sweep reports them with its results). */
  z.object({ type: z.literal("stats"), id }),
]);
export type WorkerRequest = z.input<typeof WorkerRequestSchema>;

export interface SerializedError {
  name: string;
  message: string;
  /** AppError code when the failure was one (e.g. "unprocessable" for a corrupt image). */
  code?: string;
}

export interface LoadedInfo {
  modelId: string;
  version: string;
  /** The execution provider that runs: "webgpu" or "wasm". */
  executionProvider: "webgpu" | "wasm";
  /** Why the preferred provider was not used (no adapter, session failure, device lost…). */
  fallbackReason?: string;
}

/** Hits and misses since the engine loaded. */
export interface WorkerCacheStats {
  visualCache: { hits: number; misses: number };
  prefixCache: { hits: number; misses: number };
}

export type WorkerResponse =
  /** Load progress: the phase, bytes over runtime + model, whether all came from a cache (load-progress.ts). */
  | ({ type: "progress"; id: string } & LoadProgressReport)
  | { type: "loaded"; id: string; info: LoadedInfo }
  | { type: "token"; id: string; event: TokenEvent }
  | { type: "generated"; id: string; result: GenerateResult }
  | { type: "scored"; id: string; scores: CandidateScore[] }
  | { type: "logits"; id: string; logits: Float32Array }
  | { type: "visualTokens"; id: string; tokens: Float32Array[] }
  | { type: "done"; id: string }
  | { type: "stats"; id: string; stats: WorkerCacheStats }
  /** The provider changed after load (e.g. WebGPU device lost -> WASM). */
  | { type: "provider"; id: string; info: LoadedInfo }
  | { type: "error"; id: string; error: SerializedError };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, ...(typeof code === "string" ? { code } : {}) };
  }
  return { name: "Error", message: String(e) };
}
