/**
 * Where a prompt runs, behind one interface for the Run panel, notebook cells and browser sweeps:
 * the browser worker (WebGPU or WASM, one shared worker per page: `browserBackend` in backend.ts)
 * and the server routes (/api/runs as server-sent events, /api/score) with any registry engine
 * (`engine`; absent: the bundled model). A transformers.js engine (`engine` with a browser backend)
 * runs in this page's transformers.js worker (lib/backends/transformersjs/backend.ts, loaded on first
 * use only), never on the server. Browser-side, no React.
 */
import { ApiError, apiFetch } from "@/lib/api-client";
import { logLik, type Exchange, type RankMethod, type Usage } from "@/lib/backends/contract";
import type { EngineSummary } from "@/lib/engines/types";
import type { PromptSequence } from "@/lib/prompt/sequence";
import type { CandidateScore, GenerateResult, TokenEvent } from "@/lib/runtime/engine";
import { browserBackend, MODEL_ID, providerReport, type LoadProgress, type ProviderReport } from "./backend";
import type { GenerateParams } from "./client";
import { readEvents } from "./sse";
import { normalizeTarget, type BackendChoice, type RunTarget } from "./target";

export { browserCacheStats, loadBrowserModel, onBrowserProviderChange, type LoadProgress, type ProviderReport } from "./backend";

export interface RunHooks {
  signal: AbortSignal;
  onToken(e: TokenEvent): void;
  onProgress?(p: LoadProgress): void;
  onProvider?(p: ProviderReport): void;
}

/** A generation; server runs add the engine that ran it, its model, the call's wall time and (remote engines) the exchange. */
export type RunResult = GenerateResult & { model?: string; engine?: string; latencyMs?: number; exchange?: Exchange };

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

// ---------------------------------------------------------------- transformers.js engines (this page's worker)

/** The engine's registry entry (read on every run: a change on the Engines page applies at once). */
async function browserEngine(id: string, signal: AbortSignal): Promise<EngineSummary & { browser: NonNullable<EngineSummary["browser"]> }> {
  const { engine } = await apiFetch<{ engine: EngineSummary }>(`/api/engines/${encodeURIComponent(id)}`, { cache: "no-store", signal });
  if (engine.kind !== "transformersjs" || !engine.browser) throw new ApiError(400, "bad_request", `Engine "${engine.name}" is not a transformers.js engine: it does not run in this browser`);
  return engine as EngineSummary & { browser: NonNullable<EngineSummary["browser"]> };
}

/** The engine as a Backend in this page's transformers.js worker, its load progress as the Run panel's LoadProgress (browser sweeps use it too). */
export async function tfjsEngineBackend(id: string, hooks: Pick<RunHooks, "signal" | "onProgress">) {
  const [engine, mod] = await Promise.all([browserEngine(id, hooks.signal), import("@/lib/backends/transformersjs/backend")]);
  const onProgress = hooks.onProgress;
  // "From the browser cache" only while every file seen so far came from it.
  const cached = new Map<string, boolean>();
  return mod.tfjsBackend({
    id,
    settings: engine.browser,
    ...(onProgress
      ? {
          onProgress: (p) => {
            cached.set(p.file, p.fromCache === true || (cached.get(p.file) ?? false));
            onProgress({ phase: "download", file: p.file, loadedBytes: p.loadedBytes, totalBytes: p.totalBytes, fromCache: [...cached.values()].every(Boolean) });
          },
        }
      : {}),
  });
}

const tfjsProvider = (info: { executionProvider: string; fallbackReason?: string }): ProviderReport => ({ executionProvider: info.executionProvider, ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}) });

async function tfjsGenerate(id: string, prompt: PromptSequence, params: GenerateParams, hooks: RunHooks): Promise<RunResult> {
  const b = await tfjsEngineBackend(id, hooks);
  const info = await b.load();
  if (hooks.signal.aborted) throw new DOMException("The run was cancelled", "AbortError");
  hooks.onProvider?.(tfjsProvider(info));
  // No trace, beams or seeds on transformers.js: the Run panel does not offer them there.
  const { trace: _trace, numBeams: _numBeams, seed: _seed, ...rest } = params;
  const { exchange: _exchange, ...result } = await b.generate(prompt, rest, { signal: hooks.signal, onToken: hooks.onToken });
  return result;
}

async function tfjsScore(id: string, prompt: PromptSequence, candidates: string[], hooks: Pick<RunHooks, "signal" | "onProgress">): Promise<ScoreResult> {
  const b = await tfjsEngineBackend(id, hooks);
  const info = await b.load();
  const r = await b.score(prompt, candidates, { signal: hooks.signal });
  return { scores: r.scores, ...tfjsProvider(info), method: r.method, approximate: r.approximate, engine: id, model: b.model, latencyMs: r.latencyMs };
}

// ---------------------------------------------------------------- one interface

/** Generate on a backend ("webgpu" | "wasm" | "server") or a target (the server with a registry engine). */
export async function generate(target: BackendChoice | RunTarget, prompt: PromptSequence, params: GenerateParams, hooks: RunHooks): Promise<RunResult> {
  const { backend, engine } = normalizeTarget(target);
  if (backend === "server") return serverGenerate(engine, prompt, params, hooks);
  if (engine) return tfjsGenerate(engine, prompt, params, hooks);
  const b = browserBackend(backend, { ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}), ...(hooks.onProvider ? { onProvider: hooks.onProvider } : {}) });
  // The worker's result as it was: the Backend's engine, model and wall time are not part of a browser run's result.
  const { engine: _engine, model: _model, latencyMs: _latencyMs, exchange: _exchange, ...result } = await b.generate(prompt, params, { signal: hooks.signal, onToken: hooks.onToken });
  return result;
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
  if (engine) return tfjsScore(engine, prompt, candidates, hooks);
  const b = browserBackend(backend, hooks.onProgress ? { onProgress: hooks.onProgress } : {});
  const info = await b.load();
  const { scores, method, approximate } = await b.score(prompt, candidates, { signal: hooks.signal });
  return { scores, ...providerReport(info), method, approximate };
}

function postJsonSignal<T>(url: string, body: unknown, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new DOMException("The run was cancelled", "AbortError"));
  return apiFetch<T>(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal }).catch((e: unknown) => {
    if (signal.aborted) throw new DOMException("The run was cancelled", "AbortError");
    throw e;
  });
}
