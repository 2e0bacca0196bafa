/**
 * The UI thread's side of the transformers.js worker: load (with per-file progress), generate with streamed
 * tokens, score, render, cancel (an AbortSignal), and the browser cache of a model, as promises. Worker
 * failures reject with WorkerError (its name and code kept). Importing this never loads transformers.js:
 * the worker (and transformers.js with it) starts on the first call.
 */
import { WorkerError, type WorkerLike } from "@/lib/backends/browser/client";
import type { GenerateParams } from "@/lib/backends/contract";
import type { PromptSequence } from "@/lib/prompt/sequence";
import type { CandidateScore, GenerateResult, TokenEvent } from "@/lib/runtime/engine";
import type { TfjsCacheInfo, TfjsLoadedInfo, TfjsLoadRequest, TfjsModelSize, TfjsProgress, TfjsRequest, TfjsResponse } from "./protocol";
import type { TfjsDtype } from "./settings";

export { WorkerError };

interface Pending {
  resolve(value: TfjsResponse): void;
  reject(error: Error): void;
  onToken?: (e: TokenEvent) => void;
  onProgress?: (p: TfjsProgress) => void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class TfjsClient {
  private readonly pending = new Map<string, Pending>();
  private seq = 0;

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener("message", (ev) => this.receive(ev.data as TfjsResponse));
    worker.addEventListener("error", (ev) => this.failAll(new WorkerError({ name: "WorkerCrashed", message: ev.message || "The transformers.js worker stopped" })));
  }

  /** A client on a new module worker running workers/transformersjs.worker.ts. */
  static create(): TfjsClient {
    return new TfjsClient(new Worker(new URL("../../../workers/transformersjs.worker.ts", import.meta.url), { type: "module" }));
  }

  load(req: TfjsLoadRequest, opts: { onProgress?: (p: TfjsProgress) => void } = {}): Promise<TfjsLoadedInfo> {
    return this.request({ type: "load", ...req }, { onProgress: opts.onProgress }).then((m) => (m.type === "loaded" ? m.info : unexpected(m)));
  }

  generate(prompt: PromptSequence, params: GenerateParams = {}, opts: { onToken?: (e: TokenEvent) => void; signal?: AbortSignal } = {}): Promise<GenerateResult> {
    return this.request({ type: "generate", prompt, params }, opts).then((m) => (m.type === "generated" ? m.result : unexpected(m)));
  }

  score(prompt: PromptSequence, candidates: string[], opts: { appendEndOfChunk?: boolean; signal?: AbortSignal } = {}): Promise<CandidateScore[]> {
    const extra = opts.appendEndOfChunk !== undefined ? { appendEndOfChunk: opts.appendEndOfChunk } : {};
    return this.request({ type: "score", prompt, candidates, ...extra }, { signal: opts.signal }).then((m) => (m.type === "scored" ? m.scores : unexpected(m)));
  }

  /** The exact text the model sees for this prompt (its chat template applied). */
  render(prompt: PromptSequence): Promise<string> {
    return this.request({ type: "render", prompt }).then((m) => (m.type === "rendered" ? m.text : unexpected(m)));
  }

  /** A model's files and total size before download (what the UI shows before the first load). */
  size(model: string, dtype: TfjsDtype): Promise<TfjsModelSize> {
    return this.request({ type: "size", model, dtype }).then((m) => (m.type === "size" ? m.size : unexpected(m)));
  }

  /** What this browser keeps of a model (files and bytes in the Cache API). */
  cacheInfo(model: string): Promise<TfjsCacheInfo> {
    return this.request({ type: "cacheInfo", model }).then((m) => (m.type === "cache" ? m.cache : unexpected(m)));
  }

  /** Remove a model from this browser (unloaded first when it is the loaded one); what is left (nothing). */
  evict(model: string): Promise<TfjsCacheInfo> {
    return this.request({ type: "evict", model }).then((m) => (m.type === "cache" ? m.cache : unexpected(m)));
  }

  dispose(): void {
    this.failAll(new WorkerError({ name: "AbortError", message: "The transformers.js worker was closed" }));
    this.worker.terminate?.();
  }

  private request(body: DistributiveOmit<TfjsRequest, "id">, extra: { onToken?: Pending["onToken"]; onProgress?: Pending["onProgress"]; signal?: AbortSignal | undefined } = {}): Promise<TfjsResponse> {
    const id = `t${++this.seq}`;
    return new Promise<TfjsResponse>((resolve, reject) => {
      if (extra.signal?.aborted) return reject(new WorkerError({ name: "AbortError", message: "The operation was aborted" }));
      this.pending.set(id, { resolve, reject, ...(extra.onToken ? { onToken: extra.onToken } : {}), ...(extra.onProgress ? { onProgress: extra.onProgress } : {}) });
      extra.signal?.addEventListener("abort", () => this.worker.postMessage({ type: "cancel", id: `c${id}`, target: id } satisfies TfjsRequest), { once: true });
      this.worker.postMessage({ ...body, id } as TfjsRequest);
    });
  }

  private receive(m: TfjsResponse): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === "token") return p.onToken?.(m.event);
    if (m.type === "progress") {
      const { type: _t, id: _i, ...progress } = m;
      return p.onProgress?.(progress);
    }
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

function unexpected(m: TfjsResponse): never {
  throw new WorkerError({ name: "ProtocolError", message: `Unexpected worker reply "${m.type}"` });
}
