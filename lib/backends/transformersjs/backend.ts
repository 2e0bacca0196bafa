/**
 * A transformers.js engine as a `Backend` (lib/backends/contract.ts), run by this page's transformers.js
 * worker: generate with streamed tokens, exact ranking from the logits, capabilities (multi-image unless the
 * engine says otherwise). One worker per page, one model loaded at a time (a different engine reloads it).
 * UI-thread only (creates a Worker); no React. Browser sweeps take it like the bundled backend.
 */
import { rankingOf, type Backend, type BackendCapabilities, type BackendRunResult, type GenerateParams, type RunHooks, type ScoreCallOptions, type ScoreOutcome } from "@/lib/backends/contract";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { imagesOf } from "@/lib/prompt/sequence";
import { TfjsClient } from "./client";
import type { TfjsLoadedInfo, TfjsLoadRequest, TfjsProgress } from "./protocol";
import type { TfjsEngineSettings } from "./settings";

let client: TfjsClient | undefined;
let loaded: { key: string; info: Promise<TfjsLoadedInfo>; listeners: Set<(p: TfjsProgress) => void>; last?: TfjsProgress } | undefined;

/** The page's transformers.js worker client (created, with its worker, on first use). */
export function tfjsClient(): TfjsClient {
  return (client ??= TfjsClient.create());
}

/** Load once per page and settings; a run that finds the load in flight hears its progress too. */
export function loadTfjsModel(req: TfjsLoadRequest, onProgress?: (p: TfjsProgress) => void): Promise<TfjsLoadedInfo> {
  const key = JSON.stringify(req);
  if (loaded?.key === key) {
    if (onProgress) {
      if (loaded.last) onProgress(loaded.last);
      const l = loaded;
      l.listeners.add(onProgress);
      void l.info.finally(() => l.listeners.delete(onProgress)).catch(() => undefined);
    }
    return loaded.info;
  }
  const listeners = new Set<(p: TfjsProgress) => void>(onProgress ? [onProgress] : []);
  const entry: NonNullable<typeof loaded> = {
    key,
    listeners,
    info: tfjsClient().load(req, {
      onProgress: (p) => {
        entry.last = p;
        for (const l of listeners) l(p);
      },
    }),
  };
  loaded = entry;
  entry.info.catch(() => {
    if (loaded === entry) loaded = undefined;
  });
  return entry.info;
}

/** Forget the page's load (after "remove from this browser", or a crashed worker). */
export function forgetTfjsModel(): void {
  loaded = undefined;
}

const aborted = () => new DOMException("The run was cancelled", "AbortError");

export interface TfjsBackend extends Backend {
  readonly kind: "transformersjs";
  load(): Promise<TfjsLoadedInfo>;
  /** The exact text the model sees. */
  render(prompt: PromptSequence): Promise<string>;
}

export interface TfjsBackendOptions {
  /** The registry id (a stored engine's id). */
  id: string;
  settings: TfjsEngineSettings;
  onProgress?(p: TfjsProgress): void;
  /** Extra load settings (tests: remote off, a software WebGPU adapter allowed, where ORT's runtime is). */
  load?: Partial<Pick<TfjsLoadRequest, "allowRemote" | "allowSoftwareAdapter" | "assetUrl" | "wasmPaths">>;
}

export function tfjsBackend(opts: TfjsBackendOptions): TfjsBackend {
  const s = opts.settings;
  const req: TfjsLoadRequest = { model: s.model, dtype: s.dtype, device: s.device, promptStyle: s.promptStyle, ...opts.load };
  const load = () =>
    loadTfjsModel(req, opts.onProgress).catch((e: unknown) => {
      if (e instanceof Error && e.name === "WorkerCrashed") {
        client?.dispose();
        client = undefined;
        loaded = undefined;
      }
      throw e;
    });
  const caps: BackendCapabilities = { streaming: true, rankMethods: ["exact"], maxImagesPerPrompt: s.maxImages, maxConcurrency: 1, trace: false, beams: false };
  const checkImages = (prompt: PromptSequence) => {
    const n = imagesOf(prompt).length;
    if (s.maxImages !== null && n > s.maxImages) throw Object.assign(new Error(`${s.model} takes at most ${s.maxImages} image${s.maxImages === 1 ? "" : "s"} per prompt; this prompt has ${n}`), { name: "TooManyImages", code: "unprocessable" });
  };
  const score = async (prompt: PromptSequence, candidates: readonly string[], o: ScoreCallOptions = {}): Promise<ScoreOutcome> => {
    checkImages(prompt);
    const t0 = performance.now();
    await load();
    const scores = await tfjsClient().score(prompt, [...candidates], { ...(o.signal ? { signal: o.signal } : {}), ...(o.appendEndOfChunk !== undefined ? { appendEndOfChunk: o.appendEndOfChunk } : {}) });
    return { scores, ranking: rankingOf(scores), method: "exact", approximate: false, latencyMs: performance.now() - t0 };
  };
  return {
    id: opts.id,
    kind: "transformersjs",
    model: s.model,
    capabilities: () => caps,
    load,
    render: async (prompt) => {
      await load();
      return tfjsClient().render(prompt);
    },
    async generate(prompt: PromptSequence, params: GenerateParams, hooks: RunHooks = {}): Promise<BackendRunResult> {
      checkImages(prompt);
      const t0 = performance.now();
      await load();
      if (hooks.signal?.aborted) throw aborted();
      const r = await tfjsClient().generate(prompt, params, { ...(hooks.onToken ? { onToken: hooks.onToken } : {}), ...(hooks.signal ? { signal: hooks.signal } : {}) });
      return { ...r, engine: opts.id, model: s.model, latencyMs: performance.now() - t0 };
    },
    score,
    async scoreMany(prompts, candidates, o = {}) {
      const out: ScoreOutcome[] = [];
      for (const [i, prompt] of prompts.entries()) {
        if (o.signal?.aborted) throw aborted();
        out.push(await score(prompt, candidates[i] ?? [], o));
      }
      return out;
    },
  };
}
