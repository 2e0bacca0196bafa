/**
 * The UI thread's side of the inference worker: the same calls as the in-thread engine
 * (load, generate with streamed tokens, score, cancel), as promises. Worker failures
 * (a bad image, a crashed worker) reject with WorkerError, which keeps the error's name and code.
 */
import type { CandidateScore, GenerateOptions, GenerateResult, TokenEvent } from "@/lib/runtime/engine";
import type { PromptSequence } from "@/lib/prompt/sequence";
import type { LoadProgressReport } from "./load-progress";
import type { ExecutionProviderPreference, LoadedInfo, SerializedError, WorkerCacheStats, WorkerRequest, WorkerResponse } from "./protocol";

export class WorkerError extends Error {
  readonly code: string | undefined;
  constructor(e: SerializedError) {
    super(e.message);
    this.name = e.name === "Error" ? "WorkerError" : e.name;
    this.code = e.code;
  }
}

/** What the client needs of a Worker (a real one, or a test double). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: "error", listener: (ev: { message?: string }) => void): void;
  terminate?(): void;
}

interface Pending {
  resolve(value: WorkerResponse): void;
  reject(error: Error): void;
  onToken?: (e: TokenEvent) => void;
  onProgress?: (p: LoadProgressReport) => void;
}

export type GenerateParams = Omit<GenerateOptions, "signal" | "onToken">;

export class BrowserEngineClient {
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private providerListeners: ((info: LoadedInfo) => void)[] = [];

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener("message", (ev) => this.receive(ev.data as WorkerResponse));
    worker.addEventListener("error", (ev) => this.failAll(new WorkerError({ name: "WorkerCrashed", message: ev.message || "The inference worker stopped" })));
  }

  /** A client on a new module worker running workers/inference.worker.ts. */
  static create(): BrowserEngineClient {
    return new BrowserEngineClient(new Worker(new URL("../../../workers/inference.worker.ts", import.meta.url), { type: "module" }));
  }

  load(
    packageUrl: string,
    opts: { executionProvider?: ExecutionProviderPreference; assetUrl?: string; allowSoftwareAdapter?: boolean; skipSpeedCheck?: boolean; onProgress?: Pending["onProgress"] } = {},
  ): Promise<LoadedInfo> {
    return this.request(
      {
        type: "load",
        packageUrl,
        executionProvider: opts.executionProvider ?? "auto",
        ...(opts.assetUrl ? { assetUrl: opts.assetUrl } : {}),
        ...(opts.allowSoftwareAdapter ? { allowSoftwareAdapter: true } : {}),
        ...(opts.skipSpeedCheck ? { skipSpeedCheck: true } : {}),
      },
      { onProgress: opts.onProgress },
    ).then((m) => (m.type === "loaded" ? m.info : unexpected(m)));
  }

  generate(prompt: PromptSequence, params: GenerateParams = {}, opts: { onToken?: (e: TokenEvent) => void; signal?: AbortSignal } = {}): Promise<GenerateResult> {
    return this.request({ type: "generate", prompt, params }, { onToken: opts.onToken, signal: opts.signal }).then((m) =>
      m.type === "generated" ? m.result : unexpected(m),
    );
  }

  score(prompt: PromptSequence, candidates: string[], opts: { appendEndOfChunk?: boolean; signal?: AbortSignal } = {}): Promise<CandidateScore[]> {
    return this.request({ type: "score", prompt, candidates, ...(opts.appendEndOfChunk !== undefined ? { appendEndOfChunk: opts.appendEndOfChunk } : {}) }, { signal: opts.signal }).then(
      (m) => (m.type === "scored" ? m.scores : unexpected(m)),
    );
  }

  /** Next-token logits `[V]` after `prompt`. */
  nextTokenLogits(prompt: PromptSequence): Promise<Float32Array> {
    return this.request({ type: "logits", prompt }).then((m) => (m.type === "logits" ? m.logits : unexpected(m)));
  }

  /** Visual tokens `[L * D]` of each image (asset ids). */
  encodeImages(assetIds: string[]): Promise<Float32Array[]> {
    return this.request({ type: "encodeImages", assetIds }).then((m) => (m.type === "visualTokens" ? m.tokens : unexpected(m)));
  }

  /** The engine's cumulative cache hits and misses. */
  cacheStats(): Promise<WorkerCacheStats> {
    return this.request({ type: "stats" }).then((m) => (m.type === "stats" ? m.stats : unexpected(m)));
  }

  async setCaching(enabled: boolean): Promise<void> {
    await this.request({ type: "setCaching", enabled });
  }

  /** Called when the worker switches provider after load (e.g. WebGPU device lost -> WASM). */
  onProviderChange(listener: (info: LoadedInfo) => void): () => void {
    this.providerListeners.push(listener);
    return () => (this.providerListeners = this.providerListeners.filter((l) => l !== listener));
  }

  dispose(): void {
    this.failAll(new WorkerError({ name: "AbortError", message: "The inference worker was closed" }));
    this.worker.terminate?.();
  }

  private request(
    body: DistributiveOmit<WorkerRequest, "id">,
    extra: { onToken?: Pending["onToken"]; onProgress?: Pending["onProgress"]; signal?: AbortSignal } = {},
  ): Promise<WorkerResponse> {
    const id = `r${++this.seq}`;
    return new Promise<WorkerResponse>((resolve, reject) => {
      if (extra.signal?.aborted) return reject(new WorkerError({ name: "AbortError", message: "The operation was aborted" }));
      this.pending.set(id, { resolve, reject, onToken: extra.onToken, onProgress: extra.onProgress });
      extra.signal?.addEventListener("abort", () => this.worker.postMessage({ type: "cancel", id: `c${id}`, target: id } satisfies WorkerRequest), { once: true });
      this.worker.postMessage({ ...body, id } as WorkerRequest);
    });
  }

  private receive(m: WorkerResponse): void {
    if (m.type === "provider") {
      for (const l of this.providerListeners) l(m.info);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === "token") return p.onToken?.(m.event);
    if (m.type === "progress") return p.onProgress?.({ phase: m.phase, file: m.file, loadedBytes: m.loadedBytes, totalBytes: m.totalBytes, fromCache: m.fromCache });
    this.pending.delete(m.id);
    if (m.type === "error") p.reject(new WorkerError(m.error));
    else p.resolve(m);
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function unexpected(m: WorkerResponse): never {
  throw new WorkerError({ name: "ProtocolError", message: `Unexpected worker reply "${m.type}"` });
}
