/**
 * The bundled model in this page's inference worker, as a `Backend` (lib/backends/contract.ts):
 * one shared worker per page (WebGPU or WASM, loaded once per preference), its provider changes
 * and cache counters. UI-thread only (creates a Worker); no React.
 */
import type { Backend, BackendCapabilities, BackendRunResult, GenerateParams, RunHooks, ScoreCallOptions, ScoreOutcome } from "@/lib/backends/contract";
import { rankingOf } from "@/lib/backends/contract";
import { DEFAULT_MODEL_ID, packageUrl } from "@/lib/models/defaults";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { BrowserEngineClient } from "./client";
import type { LoadProgressReport } from "./load-progress";
import type { LoadedInfo, WorkerCacheStats } from "./protocol";

/** The package the browser runs: the bundled model. */
export const MODEL_ID = DEFAULT_MODEL_ID;
export const PACKAGE_URL = packageUrl(MODEL_ID);

export type BrowserProvider = "webgpu" | "wasm";

/** A load's phase (download, compile, warm-up), bytes over runtime + model, and whether all came from a cache. */
export type LoadProgress = LoadProgressReport;

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
/**
 * The page's one load: its preference, the provider it resolved to (once known), its latest
 * progress and who listens to it (a preload started when the Run panel mounted, then the run
 * that waits for it, both see the same progress).
 */
interface PageLoad {
  pref: BrowserProvider;
  info: Promise<LoadedInfo>;
  provider?: "webgpu" | "wasm";
  progress?: LoadProgress;
  listeners: Set<(p: LoadProgress) => void>;
}
let loaded: PageLoad | undefined;
const providerListeners = new Set<(info: LoadedInfo) => void>();

function browserClient(): BrowserEngineClient {
  if (!client) {
    client = BrowserEngineClient.create();
    client.onProviderChange((info) => {
      if (loaded) loaded = { ...loaded, info: Promise.resolve(info), provider: info.executionProvider };
      for (const l of providerListeners) l(info);
    });
  }
  return client;
}

/** Whether the current load serves `pref`: the same preference, or WASM asked of a load that resolved to WASM. */
const serves = (l: PageLoad, pref: BrowserProvider) => l.pref === pref || (pref === "wasm" && l.provider === "wasm");

/**
 * Load the model in the worker with this preference, once; a different preference reloads it
 * (unless WASM is asked and the load already runs on WASM), after any load in flight has ended
 * (the worker loads one at a time). `onProgress` hears this load's progress until it ends,
 * starting with its latest report: a run that finds the model loaded in the background (the Run
 * panel starts it) still learns how it was loaded (downloaded or from the cache, how many bytes).
 */
export function loadBrowserModel(pref: BrowserProvider, onProgress?: (p: LoadProgress) => void): Promise<LoadedInfo> {
  if (loaded && serves(loaded, pref)) {
    const l = loaded;
    if (l.progress) onProgress?.(l.progress);
    if (onProgress && !l.provider) {
      l.listeners.add(onProgress);
      void l.info.finally(() => l.listeners.delete(onProgress)).catch(() => undefined);
    }
    return l.info;
  }
  if (loaded && !loaded.provider) {
    const inFlight = loaded.info;
    return inFlight.then(
      () => loadBrowserModel(pref, onProgress),
      () => loadBrowserModel(pref, onProgress),
    );
  }
  const listeners = new Set<(p: LoadProgress) => void>(onProgress ? [onProgress] : []);
  // Progress arrives as worker messages, so after `entry` below exists.
  const info = browserClient()
    .load(PACKAGE_URL, {
      executionProvider: pref,
      onProgress: (p) => {
        entry.progress = p;
        for (const l of listeners) l(p);
      },
    })
    .then((i) => {
      entry.provider = i.executionProvider;
      listeners.clear();
      return i;
    });
  const entry: PageLoad = { pref, info, listeners };
  loaded = entry;
  entry.info.catch(() => {
    if (loaded === entry) loaded = undefined;
  });
  return entry.info;
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
