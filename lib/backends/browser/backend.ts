/**
 * The bundled model in this page's inference worker, as a `Backend` (lib/backends/contract.ts):
 * one shared worker per page (WebGPU or WASM, loaded once per preference), its provider changes
 * and cache counters. UI-thread only (creates a Worker); no React.
 */
import type { Backend, BackendCapabilities, BackendRunResult, GenerateParams, RunHooks, ScoreCallOptions, ScoreOutcome } from "@/lib/backends/contract";
import { rankingOf } from "@/lib/backends/contract";
import { DEFAULT_MODEL_ID, packageUrl } from "@/lib/models/defaults";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { MODEL_CACHE } from "./browser-env";
import { BrowserEngineClient } from "./client";
import type { LoadedInfo, WorkerCacheStats } from "./protocol";

/** The package the browser runs: the bundled model. */
export const MODEL_ID = DEFAULT_MODEL_ID;
export const PACKAGE_URL = packageUrl(MODEL_ID);

export type BrowserProvider = "webgpu" | "wasm";

export interface LoadProgress {
  loadedBytes: number;
  totalBytes: number;
  file: string;
  /** The files came from Cache Storage (an earlier visit), not the network. */
  fromCache: boolean;
}

/** The provider that actually ran, as the worker or the server reported it. */
export interface ProviderReport {
  executionProvider: string;
  fallbackReason?: string;
}

export const providerReport = (info: LoadedInfo): ProviderReport => ({
  executionProvider: info.executionProvider,
  ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}),
});

// ---------------------------------------------------------------- the page's worker

let client: BrowserEngineClient | undefined;
let loaded: { pref: BrowserProvider; info: Promise<LoadedInfo> } | undefined;
const providerListeners = new Set<(info: LoadedInfo) => void>();

function browserClient(): BrowserEngineClient {
  if (!client) {
    client = BrowserEngineClient.create();
    client.onProviderChange((info) => {
      if (loaded) loaded = { pref: loaded.pref, info: Promise.resolve(info) };
      for (const l of providerListeners) l(info);
    });
  }
  return client;
}

/** Whether the package's weights are already in Cache Storage (so a load reads no network). */
async function inCache(): Promise<boolean> {
  try {
    if (typeof caches === "undefined") return false;
    const cache = await caches.open(MODEL_CACHE);
    return Boolean(await cache.match(new URL(`${PACKAGE_URL}/lm.onnx`, location.href).toString()));
  } catch {
    return false;
  }
}

/** Load the model in the worker with this preference, once; a different preference reloads it. */
export function loadBrowserModel(pref: BrowserProvider, onProgress?: (p: LoadProgress) => void): Promise<LoadedInfo> {
  if (loaded?.pref === pref) return loaded.info;
  const info = (async () => {
    const fromCache = await inCache();
    return browserClient().load(PACKAGE_URL, {
      executionProvider: pref,
      onProgress: (p) => onProgress?.({ ...p, fromCache }),
    });
  })();
  loaded = { pref, info };
  info.catch(() => {
    if (loaded?.info === info) loaded = undefined;
  });
  return info;
}

/** The worker's cumulative cache hits and misses; undefined when no model is loaded in this page. */
export async function browserCacheStats(): Promise<WorkerCacheStats | undefined> {
  if (!client || !loaded) return undefined;
  await loaded.info;
  return client.cacheStats();
}

/** Be told when the worker switches provider after load (WebGPU device lost -> WASM). */
export function onBrowserProviderChange(listener: (info: LoadedInfo) => void): () => void {
  providerListeners.add(listener);
  return () => providerListeners.delete(listener);
}

/** A crashed worker answers nothing more: drop it, so the next run starts a fresh one. */
async function withWorker<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof Error && e.name === "WorkerCrashed") {
      client?.dispose();
      client = undefined;
      loaded = undefined;
    }
    throw e;
  }
}

// ---------------------------------------------------------------- the Backend

export interface BrowserBackendOptions {
  /** Package download (or Cache Storage read) while the model loads. */
  onProgress?(p: LoadProgress): void;
  /** The provider that will run a generation, once the model is loaded (before the first token). */
  onProvider?(p: ProviderReport): void;
}

/** The bundled model in the worker, plus what only it has: its load (with the provider it got) and cache counters. */
export interface BrowserBackend extends Backend {
  readonly kind: "bundled";
  /** Load the model with this backend's preference (once per page and preference). */
  load(): Promise<LoadedInfo>;
  /** The worker's cumulative cache counters; undefined when no model is loaded in this page. */
  cacheStats(): Promise<WorkerCacheStats | undefined>;
}

const CAPABILITIES: BackendCapabilities = { streaming: true, rankMethods: ["exact"], maxImagesPerPrompt: null, maxConcurrency: 1, trace: true, beams: true };

const aborted = () => new DOMException("The run was cancelled", "AbortError");

/**
 * The bundled package run by this page's inference worker on `pref` (WebGPU falls back to WASM
 * with a reason). Every call loads the model first if needed; one worker runs one call at a time,
 * so `scoreMany` runs its prompts one after another. Ranking is exact.
 */
export function browserBackend(pref: BrowserProvider, opts: BrowserBackendOptions = {}): BrowserBackend {
  const load = () => loadBrowserModel(pref, opts.onProgress);
  const score = (prompt: PromptSequence, candidates: readonly string[], o: ScoreCallOptions = {}): Promise<ScoreOutcome> =>
    withWorker(async () => {
      const t0 = performance.now();
      await load();
      const scores = await browserClient().score(prompt, [...candidates], {
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.appendEndOfChunk !== undefined ? { appendEndOfChunk: o.appendEndOfChunk } : {}),
      });
      return { scores, ranking: rankingOf(scores), method: "exact", approximate: false, latencyMs: performance.now() - t0 };
    });
  return {
    id: MODEL_ID,
    kind: "bundled",
    model: MODEL_ID,
    capabilities: () => CAPABILITIES,
    load: () => withWorker(load),
    cacheStats: browserCacheStats,

    generate: (prompt: PromptSequence, params: GenerateParams, hooks: RunHooks = {}): Promise<BackendRunResult> =>
      withWorker(async () => {
        const t0 = performance.now();
        const info = await load();
        opts.onProvider?.(providerReport(info));
        if (hooks.signal?.aborted) throw aborted();
        const r = await browserClient().generate(prompt, params, { ...(hooks.onToken ? { onToken: hooks.onToken } : {}), ...(hooks.signal ? { signal: hooks.signal } : {}) });
        return { ...r, engine: MODEL_ID, model: MODEL_ID, latencyMs: performance.now() - t0 };
      }),

    score,

    async scoreMany(prompts: readonly PromptSequence[], candidates: readonly (readonly string[])[], o: ScoreCallOptions = {}): Promise<ScoreOutcome[]> {
      const out: ScoreOutcome[] = [];
      for (const [i, prompt] of prompts.entries()) {
        if (o.signal?.aborted) throw aborted();
        out.push(await score(prompt, candidates[i] ?? [], o));
      }
      return out;
    },
  };
}
