/**
 * What the inference worker does, independent of `self`: load a package (one execution
 * provider tried at a time, WebGPU then WASM, through lib/backends/provider-fallback.ts), run
 * generate / score on the shared engine, cancel, and report progress, tokens, results and errors
 * as protocol messages. The worker entry (workers/inference.worker.ts) wires it to postMessage;
 * tests drive it directly.
 */
import { FlamingoEngine } from "@/lib/runtime/engine";
import { loadPackage, type FetchFile, type ModelPackage } from "@/lib/runtime/manifest";
import type { OrtNamespace } from "@/lib/runtime/ort";
import type { ImageDecoder } from "@/lib/runtime/preprocess";
import { withFallback } from "../provider-fallback";
import { LoadProgressTracker, SPEED_CHECK } from "./load-progress";
import { medianMs, slowerReason, speedVerdictKey, wasmIsFaster, type ProviderTimings } from "./provider-speed";
import { serializeError, WorkerRequestSchema, type LoadedInfo, type WorkerResponse } from "./protocol";

export interface WorkerEnv {
  /** The ORT namespace for a provider ("webgpu" may reject: no adapter, missing features). */
  ort(provider: "webgpu" | "wasm"): Promise<OrtNamespace>;
  /** Whether a WebGPU adapter exists (and has what the model needs); a reason when not. */
  webgpuAvailable(opts?: { allowSoftwareAdapter?: boolean }): Promise<{ ok: true; adapter?: string } | { ok: false; reason: string }>;
  /** A remembered WebGPU-against-WASM timing (provider-speed.ts) under `key`; absent: none (or no storage). */
  recallSpeed?(key: string): Promise<ProviderTimings | undefined>;
  rememberSpeed?(key: string, t: ProviderTimings): Promise<void>;
  /**
   * Fetch the provider's runtime (ORT's .wasm) ahead of ORT, with byte progress, so that ORT's own
   * fetch is answered by the HTTP cache; says whether it came from a cache. Absent: not counted (Node).
   */
  fetchRuntime?(provider: "webgpu" | "wasm", onBytes: (loaded: number, total: number) => void, onSource?: (fromCache: boolean) => void): Promise<{ fromCache: boolean }>;
  /** Fetch, compile and start the provider's runtime now (while the model downloads). Absent: it starts with the first session. */
  startRuntime?(provider: "webgpu" | "wasm"): Promise<void>;
  /** Package files under `packageUrl` (Cache Storage in the browser); `onSource`: per file, whether it came from a cache. */
  fetchFile(packageUrl: string, hooks?: { onSource?(file: string, fromCache: boolean): void }): FetchFile;
  /** Image bytes by asset id. */
  fetchImage(assetUrl: string, assetId: string): Promise<Uint8Array>;
  decodeImage: ImageDecoder;
  /** Called when a load fails its integrity check, to drop cached copies. */
  evictPackage?(packageUrl: string): Promise<void>;
  /** Subscribe to WebGPU device loss of the current ORT namespace, if it can tell. */
  onDeviceLost?(ort: OrtNamespace, lost: (reason: string) => void): void;
}

export function createWorkerCore(env: WorkerEnv, post: (m: WorkerResponse) => void) {
  let engine: FlamingoEngine | undefined;
  let info: LoadedInfo | undefined;
  let pkg: ModelPackage | undefined;
  let assetUrl = "/api/assets/";
  let loading: Promise<void> | undefined;
  const running = new Map<string, AbortController>();

  /** An engine on `provider`; `runtime`: whose ORT build (the WebGPU build also runs the WASM provider). */
  async function makeEngine(provider: "webgpu" | "wasm", p: ModelPackage, runtime: "webgpu" | "wasm" = provider): Promise<FlamingoEngine> {
    const ort = await env.ort(runtime);
    const e = await FlamingoEngine.create({
      ort,
      pkg: p,
      decodeImage: env.decodeImage,
      imageSource: (assetId) => env.fetchImage(assetUrl, assetId),
      sessionOptions: { executionProviders: [provider], logSeverityLevel: 3 },
      executionProvider: provider,
    });
    if (provider === "webgpu") env.onDeviceLost?.(ort, (reason) => void fallBackToWasm(`WebGPU device lost: ${reason}`));
    return e;
  }

  async function fallBackToWasm(reason: string): Promise<void> {
    if (!pkg || info?.executionProvider === "wasm") return;
    const old = engine;
    engine = undefined;
    loading = (async () => {
      await old?.release().catch(() => undefined);
      engine = await makeEngine("wasm", pkg as ModelPackage);
      info = { ...(info as LoadedInfo), executionProvider: "wasm", fallbackReason: reason };
      post({ type: "provider", id: "device", info });
    })();
    await loading.catch(() => undefined);
  }

  /**
   * Load a package: the model files and the provider's runtime download at the same time, then
   * the sessions are created (the runtime's WebAssembly compiles there) and warmed up. Progress
   * (load-progress.ts) covers every phase: download (runtime + model bytes), compile, warm-up.
   */
  async function load(id: string, packageUrl: string, pref: "auto" | "webgpu" | "wasm", opts: { allowSoftwareAdapter?: boolean; skipSpeedCheck?: boolean } = {}): Promise<void> {
    const progress = new LoadProgressTracker((p) => post({ type: "progress", id, ...p }));
    progress.expect("model");
    const fetchFile = env.fetchFile(packageUrl, { onSource: (file, fromCache) => file !== "manifest.json" && progress.source("model", fromCache) });
    let packageFailed = false;
    const pkgLoad = loadPackage({ key: packageUrl, fetchFile, onProgress: (p) => progress.bytes("model", p.loadedBytes, p.totalBytes) }).catch(async (e: unknown) => {
      packageFailed = true;
      await env.evictPackage?.(packageUrl).catch(() => undefined);
      throw e;
    });
    pkgLoad.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    await engine?.release().catch(() => undefined);
    engine = undefined;
    let usedPkg: ModelPackage | undefined;
    const create = async (provider: "webgpu" | "wasm") => {
      const runtime = `runtime-${provider}`;
      if (env.fetchRuntime) progress.expect(runtime);
      const fetched = env.fetchRuntime?.(
        provider,
        (loaded, total) => progress.bytes(runtime, loaded, total),
        (fromCache) => progress.source(runtime, fromCache),
      );
      // The runtime compiles while the model downloads: both phases run at once until the bytes are in.
      const started = env.startRuntime?.(provider);
      started?.catch(() => undefined); // awaited below
      const [p] = await Promise.all([pkgLoad, fetched]);
      usedPkg = pkg = p;
      progress.enter("compile", provider);
      await started;
      const e = await makeEngine(provider, p);
      progress.enter("warmup", provider);
      try {
        await e.warmUp();
      } catch (err) {
        await e.release().catch(() => undefined);
        throw err;
      }
      return e;
    };
    let speedKey: string | undefined;
    const made = await withFallback(pref === "wasm" ? null : "webgpu", "wasm", create, {
      isAvailable: async () => {
        const a = await env.webgpuAvailable({ allowSoftwareAdapter: opts.allowSoftwareAdapter === true });
        if (!a.ok || opts.skipSpeedCheck) return a;
        speedKey = speedVerdictKey(packageUrl, a.adapter ?? "WebGPU adapter");
        // Measured slower on an earlier load: straight to the (smaller) WASM runtime, saying so.
        const known = await env.recallSpeed?.(speedKey).catch(() => undefined);
        return known && wasmIsFaster(known) ? { ok: false, reason: slowerReason(known, true) } : { ok: true };
      },
      // A failed package (integrity, 404) is not WebGPU's fault: give up, do not try WASM with it.
      failureReason: (e) => {
        if (packageFailed) throw e;
        return `WebGPU session failed: ${serializeError(e).message}`;
      },
    });
    let chosen: { engine: FlamingoEngine; provider: "webgpu" | "wasm"; fallbackReason?: string } = { engine: made.value, provider: made.provider, ...(made.fallbackReason ? { fallbackReason: made.fallbackReason } : {}) };
    const loaded = usedPkg as ModelPackage;
    if (made.provider === "webgpu" && speedKey) {
      progress.enter("warmup", SPEED_CHECK);
      chosen = await keepFaster(made.value, loaded, speedKey);
    }
    engine = chosen.engine;
    info = { modelId: loaded.manifest.id, version: loaded.manifest.version, executionProvider: chosen.provider, ...(chosen.fallbackReason ? { fallbackReason: chosen.fallbackReason } : {}) };
    post({ type: "loaded", id, info });
  }

  /**
   * Times one image + one token (FlamingoEngine.warmUp) on the loaded WebGPU engine and on a WASM
   * engine of the same package (the WebGPU build of ORT runs the WASM provider too: nothing more to
   * download), keeps the faster and remembers the timings under `key`. WebGPU stops being timed as
   * soon as one step is clearly slower, so a very slow adapter costs one step, not three.
   */
  async function keepFaster(gpu: FlamingoEngine, p: ModelPackage, key: string): Promise<{ engine: FlamingoEngine; provider: "webgpu" | "wasm"; fallbackReason?: string }> {
    let cpu: FlamingoEngine | undefined;
    try {
      cpu = await makeEngine("wasm", p, "webgpu");
      await cpu.warmUp();
      const wasmMs = medianMs(await timeSteps(cpu, 3));
      const webgpuMs = medianMs(await timeSteps(gpu, 3, wasmMs * 3));
      const t = { webgpuMs, wasmMs };
      await env.rememberSpeed?.(key, t).catch(() => undefined);
      if (!wasmIsFaster(t)) return { engine: gpu, provider: "webgpu" };
      await gpu.release().catch(() => undefined);
      const faster = cpu;
      cpu = undefined;
      return { engine: faster, provider: "wasm", fallbackReason: slowerReason(t) };
    } catch {
      return { engine: gpu, provider: "webgpu" }; // the check is advice: WebGPU loaded and works
    } finally {
      await cpu?.release().catch(() => undefined);
    }
  }

  /** Up to `n` timed warm-up steps (ms each), fewer once one takes longer than `stopAboveMs`. */
  async function timeSteps(e: FlamingoEngine, n: number, stopAboveMs = Infinity): Promise<number[]> {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await e.warmUp();
      ms.push(performance.now() - t0);
      if ((ms[i] as number) > stopAboveMs) break;
    }
    return ms;
  }

  async function ready(): Promise<FlamingoEngine> {
    if (loading) await loading;
    if (!engine) throw Object.assign(new Error("No model is loaded in the worker; send a load message first"), { name: "NotLoaded" });
    return engine;
  }

  /** Handle one message from the UI thread; never throws (errors become `error` messages). */
  async function handle(raw: unknown): Promise<void> {
    const parsed = WorkerRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const rid = typeof (raw as { id?: unknown })?.id === "string" ? (raw as { id: string }).id : "unknown";
      post({ type: "error", id: rid, error: { name: "ProtocolError", message: `Bad worker message: ${parsed.error.issues[0]?.message ?? "malformed"}` } });
      return;
    }
    const msg = parsed.data;
    try {
      switch (msg.type) {
        case "load":
          if (msg.assetUrl) assetUrl = msg.assetUrl;
          loading = load(msg.id, msg.packageUrl, msg.executionProvider, { allowSoftwareAdapter: msg.allowSoftwareAdapter === true, skipSpeedCheck: msg.skipSpeedCheck === true });
          await loading;
          return;
        case "generate": {
          const e = await ready();
          const ac = new AbortController();
          running.set(msg.id, ac);
          try {
            const result = await e.generate(msg.prompt, { ...msg.params, signal: ac.signal, onToken: (event) => post({ type: "token", id: msg.id, event }) });
            post({ type: "generated", id: msg.id, result });
          } finally {
            running.delete(msg.id);
          }
          return;
        }
        case "score": {
          const e = await ready();
          const ac = new AbortController();
          running.set(msg.id, ac);
          try {
            const scores = await e.score(msg.prompt, msg.candidates, { signal: ac.signal, appendEndOfChunk: msg.appendEndOfChunk });
            post({ type: "scored", id: msg.id, scores });
          } finally {
            running.delete(msg.id);
          }
          return;
        }
        case "logits": {
          const logits = await (await ready()).nextTokenLogits(msg.prompt);
          post({ type: "logits", id: msg.id, logits });
          return;
        }
        case "encodeImages": {
          const tokens = await (await ready()).encodeImages(msg.assetIds);
          post({ type: "visualTokens", id: msg.id, tokens });
          return;
        }
        case "cancel":
          running.get(msg.target)?.abort();
          post({ type: "done", id: msg.id });
          return;
        case "setCaching":
          (await ready()).setCaching(msg.enabled);
          post({ type: "done", id: msg.id });
          return;
        case "stats": {
          const { visualCache: v, prefixCache: p } = (await ready()).stats();
          post({ type: "stats", id: msg.id, stats: { visualCache: { hits: v.hits, misses: v.misses }, prefixCache: { hits: p.hits, misses: p.misses } } });
          return;
        }
      }
    } catch (e) {
      post({ type: "error", id: msg.id, error: serializeError(e) });
    }
  }

  return { handle, info: () => info };
}
