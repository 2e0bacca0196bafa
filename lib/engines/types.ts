/**
 * The engine registry's shapes, shared by the server (lib/engines, lib/backends/remote, the
 * /api/engines routes) and the UI (components/engines). Browser-safe: secrets never appear in the
 * types the UI sees (EngineSummary says only whether a key is set and which headers exist).
 */
import type { EngineKind, RankMethod } from "@/lib/backends/contract";
import type { TfjsEngineSettings } from "@/lib/backends/transformersjs/settings";

/** A transformers.js engine's settings (model reference, dtype per module, device, prompt style, image limit): run in the user's browser. */
export type BrowserEngineSettings = TfjsEngineSettings;

/**
 * How a PromptSequence becomes chat messages:
 * - `interleaved`: one user message with every image and text in prompt order;
 * - `turns`: each demonstration as a user turn (its images and text) and its answer as an assistant
 *   turn, the query as the last user turn.
 */
export type PromptStyle = "interleaved" | "turns";
export type ImageFormat = "jpeg" | "png";

/** Where a registry entry comes from: the bundled packages, the database, or the deployment's config (read-only). */
export type EngineSource = "bundled" | "stored" | "declared";

/** The non-secret settings of a remote OpenAI-compatible engine. */
export interface RemoteEngineSettings {
  /** The API root, e.g. http://gpu-1:8000/v1 (requests go to `${baseUrl}/chat/completions`). */
  baseUrl: string;
  /** The model id the endpoint serves (`model` of every request). */
  model: string;
  /** Per request, in milliseconds. */
  timeoutMs: number;
  /** Requests in flight at once from this app (sweeps); interactive runs count too. */
  maxConcurrency: number;
  /** Most images one prompt may carry on this engine (vLLM's --limit-mm-per-prompt); null: no limit known. */
  maxImages: number | null;
  /** Images go as data URLs: re-encoded as this format, longest side shrunk to `maxSide` (null: as stored). */
  image: { format: ImageFormat; maxSide: number | null };
  promptStyle: PromptStyle;
  /** Sent as the first message when set. */
  systemPrompt: string | null;
}

/** One step of "Test connection", in the engine's own words when it failed. */
export interface ProbeStep {
  name: "models" | "one_image" | "two_images" | "top_logprobs" | "prompt_logprobs" | "echo_logprobs";
  ok: boolean;
  /** What was found ("3 models; serves Qwen/Qwen2.5-VL-7B-Instruct") or the engine's error message. */
  detail: string;
  ms: number;
}

/** What "Test connection" found, stored with the engine. */
export interface DetectedCapabilities {
  testedAt: string;
  /** Every step passed that a run needs (the model answers a one-image request). */
  ok: boolean;
  /** Model ids the endpoint lists (null when /models failed). */
  models: string[] | null;
  multiImage: boolean;
  topLogprobs: boolean;
  promptLogprobs: boolean;
  echoLogprobs: boolean;
  /** The best rank method the probe found. */
  rankMethod: RankMethod;
  steps: ProbeStep[];
}

/** A registry entry as the UI and the API see it: no secrets. */
export interface EngineSummary {
  id: string;
  name: string;
  kind: EngineKind;
  source: EngineSource;
  /** Declared and bundled engines cannot be edited or removed from the app. */
  readOnly: boolean;
  /** Remote engines only. */
  settings: RemoteEngineSettings | null;
  /** transformers.js engines only: what the user's browser loads and how (never run on the server). */
  browser?: BrowserEngineSettings | null;
  hasApiKey: boolean;
  /** Names of the extra headers (their values may be secrets: never sent to the browser). */
  headerNames: string[];
  capabilities: DetectedCapabilities | null;
  createdAt: string | null;
  updatedAt: string | null;
}

/** A remote engine with its secrets in clear: server-only (lib/engines, lib/backends/remote). */
export interface RemoteEngineConfig extends RemoteEngineSettings {
  id: string;
  name: string;
  apiKey: string | null;
  headers: Record<string, string>;
  capabilities: DetectedCapabilities | null;
}

export const DEFAULT_REMOTE_SETTINGS: Omit<RemoteEngineSettings, "baseUrl" | "model"> = {
  timeoutMs: 60_000,
  maxConcurrency: 4,
  maxImages: null,
  image: { format: "jpeg", maxSide: 1024 },
  promptStyle: "interleaved",
  systemPrompt: null,
};
