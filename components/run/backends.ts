/**
 * Where a prompt runs, behind one interface for the Run panel: the browser worker (WebGPU or
 * WASM, one shared worker per page) and the server routes (/api/runs as server-sent events,
 * /api/score) with any registry engine (`engine`; absent: the bundled model).
 */
import { BrowserEngineClient } from "@/lib/backends/browser/client";
import { MODEL_CACHE } from "@/lib/backends/browser/browser-env";
import type { PromptSequence } from "@/lib/prompt/sequence";
import type { CandidateScore, GenerateResult, TokenEvent } from "@/lib/runtime/engine";
import type { Exchange, RankMethod, Usage } from "@/lib/backends/contract";
import type { LoadedInfo, WorkerCacheStats } from "@/workers/protocol";
import { ApiError, apiFetch } from "@/components/ui/api";
import type { GenerateParams } from "@/lib/backends/browser/client";
import { BUNDLED_ENGINE_ID, logLik, normalizeTarget, type BackendChoice, type RunTarget } from "./options";
import { readEvents } from "./sse";

export const MODEL_ID = BUNDLED_ENGINE_ID;
export const PACKAGE_URL = `/models/${MODEL_ID}`;

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

export interface RunHooks {
  signal: AbortSignal;
  onToken(e: TokenEvent): void;
  onProgress?(p: LoadProgress): void;
  onProvider?(p: ProviderReport): void;
}

/** A generation; server runs add the engine that ran it, its model, the call's wall time and (remote engines) the exchange. */
export type RunResult = GenerateResult & { model?: string; engine?: string; latencyMs?: number; exchange?: Exchange };

// ---------------------------------------------------------------- browser

let client: BrowserEngineClient | undefined;
let loaded: { pref: "webgpu" | "wasm"; info: Promise<LoadedInfo> } | undefined;
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
export function loadBrowserModel(pref: "webgpu" | "wasm", onProgress?: (p: LoadProgress) => void): Promise<LoadedInfo> {
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

const report = (info: LoadedInfo): ProviderReport => ({ executionProvider: info.executionProvider, ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}) });

// ---------------------------------------------------------------- server

/** `engine` only when it is not the bundled model: the body stays what it was for the default choice. */
const engineField = (engine: string | undefined) => (engine ? { engine } : {});

async function serverGenerate(engine: string | undefined, prompt: PromptSequence, params: GenerateParams, hooks: RunHooks): Promise<RunResult> {
  let res: Response;
  try {
    res = await fetch("/api/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL_ID, ...engineField(engine), prompt, ...params, stream: true }),
      signal: hooks.signal,
    });
  } catch (e) {
    if (hooks.signal.aborted) throw e;
    throw new ApiError(0, "network", "Could not reach the server. Check that Flamingo Studio is still running.");
  }
  if (!res.ok || !res.body) {
    // Errors before the first token are plain JSON with their status.
    throw await errorFromBody(res);
  }
  for await (const ev of readEvents(res.body)) {
    const data = JSON.parse(ev.data) as unknown;
    if (ev.event === "token") hooks.onToken(data as TokenEvent);
    else if (ev.event === "done") {
      const result = data as RunResult;
      hooks.onProvider?.({ executionProvider: result.executionProvider });
      return result;
    } else if (ev.event === "error") {
      const e = (data as { error?: { code?: string; message?: string } }).error;
      throw new ApiError(500, e?.code ?? "error", e?.message ?? "The run failed on the server");
    }
  }
  if (hooks.signal.aborted) throw new DOMException("The run was cancelled", "AbortError");
  throw new ApiError(0, "network", "The server closed the stream before the run finished");
}

async function errorFromBody(res: Response): Promise<ApiError> {
  type ErrorBody = { error?: { code?: unknown; message?: unknown } } | null;
  let body: ErrorBody = null;
  try {
    body = JSON.parse(await res.text()) as ErrorBody;
  } catch {
    // not JSON
  }
  const e = body?.error;
  return new ApiError(res.status, typeof e?.code === "string" ? e.code : "error", typeof e?.message === "string" ? e.message : `The server answered ${res.status}`);
}

// ---------------------------------------------------------------- one interface

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

/** Generate on a backend ("webgpu" | "wasm" | "server") or a target (the server with a registry engine). */
export async function generate(target: BackendChoice | RunTarget, prompt: PromptSequence, params: GenerateParams, hooks: RunHooks): Promise<RunResult> {
  const { backend, engine } = normalizeTarget(target);
  if (backend === "server") return serverGenerate(engine, prompt, params, hooks);
  return withWorker(async () => {
    const info = await loadBrowserModel(backend, hooks.onProgress);
    hooks.onProvider?.(report(info));
    if (hooks.signal.aborted) throw new DOMException("The run was cancelled", "AbortError");
    return browserClient().generate(prompt, params, { onToken: hooks.onToken, signal: hooks.signal });
  });
}

export interface ScoreResult {
  scores: CandidateScore[];
  executionProvider: string;
  fallbackReason?: string;
  /** How the candidates were ranked (the bundled model: always exact). */
  method: RankMethod;
  approximate: boolean;
  /** Why a better method was not used. */
  note?: string;
  /** Server runs: the engine that ran it and its model, tokens, wall time; remote engines: the exchange. */
  engine?: string;
  model?: string;
  usage?: Usage;
  latencyMs?: number;
  exchange?: Exchange;
}

/** /api/score's answer. */
interface ServerScore {
  engine?: string;
  model?: string;
  executionProvider: string;
  scores: CandidateScore[];
  ranking?: number[];
  method?: RankMethod;
  approximate?: boolean;
  note?: string;
  usage?: Usage;
  latencyMs?: number;
  exchange?: Exchange;
}

/** Rank candidates on a backend or a target (the server with a registry engine). */
export async function score(
  target: BackendChoice | RunTarget,
  prompt: PromptSequence,
  candidates: string[],
  hooks: Pick<RunHooks, "signal" | "onProgress">,
): Promise<ScoreResult> {
  const { backend, engine } = normalizeTarget(target);
  if (backend === "server") {
    const r = await postJsonSignal<ServerScore>("/api/score", { model: MODEL_ID, ...engineField(engine), prompt, candidates }, hooks.signal);
    return {
      // JSON has no −∞: a candidate a remote engine gave no probability arrives as null.
      scores: r.scores.map((c) => ({ ...c, sum: logLik(c.sum), mean: logLik(c.mean) })),
      executionProvider: r.executionProvider,
      method: r.method ?? "exact",
      approximate: r.approximate ?? false,
      ...(r.note ? { note: r.note } : {}),
      ...(r.engine ? { engine: r.engine } : {}),
      ...(r.model ? { model: r.model } : {}),
      ...(r.usage ? { usage: r.usage } : {}),
      ...(typeof r.latencyMs === "number" ? { latencyMs: r.latencyMs } : {}),
      ...(r.exchange ? { exchange: r.exchange } : {}),
    };
  }
  return withWorker(async () => {
    const info = await loadBrowserModel(backend, hooks.onProgress);
    const scores = await browserClient().score(prompt, candidates, { signal: hooks.signal });
    return { scores, ...report(info), method: "exact", approximate: false };
  });
}

function postJsonSignal<T>(url: string, body: unknown, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new DOMException("The run was cancelled", "AbortError"));
  return apiFetch<T>(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal }).catch((e: unknown) => {
    if (signal.aborted) throw new DOMException("The run was cancelled", "AbortError");
    throw e;
  });
}
