/**
 * The transformers.js worker's logic (its entry is workers/transformersjs.worker.ts): load a model on WebGPU
 * (after the `shader-f16` check; a visible fallback to WASM) or WASM with per-file progress from this
 * browser's Cache API or the network, then generate / score / render prompts one at a time, cancel between
 * steps, and list or remove what this browser keeps of a model. transformers.js is imported here on the
 * first load only: nothing of it reaches a page's bundle.
 */
import { wasmThreads, runtimeBase } from "@/lib/backends/browser/runtime-files";
import type { PromptSequence } from "@/lib/prompt/sequence";
import type { TfjsEngine } from "./engine";
import { serializeError, TfjsLoadSchema, TfjsRequestSchema, type TfjsCacheInfo, type TfjsLoadedInfo, type TfjsModelSize, type TfjsResponse } from "./protocol";
import { onnxProblem } from "./onnx-check";
import { dtypeForDevice, modelFiles, modelLocation, OPTIONAL_FILES, type TfjsDevice, type TfjsDtype } from "./settings";

/** The Cache Storage bucket for transformers.js model files (never the bundled model's). */
export const TFJS_CACHE = "flamingo-transformersjs-v1";

type Engine = TfjsEngine;
type EngineModule = typeof import("./engine");
type Tf = typeof import("@huggingface/transformers");

let mods: Promise<{ engine: EngineModule; tf: Tf }> | undefined;
const modules = () => (mods ??= Promise.all([import("./engine"), import("@huggingface/transformers")]).then(([engine, tf]) => ({ engine, tf })));

/** The absolute URL prefix under which a model's files are cached. */
export function cachePrefix(model: string, base: string, remoteHost = "https://huggingface.co/"): string {
  const loc = modelLocation(model);
  if (loc.kind === "hub") return `${remoteHost.replace(/\/?$/, "/")}${loc.id}/`;
  return new URL(`${loc.base}${loc.id}/`, base).toString();
}

async function webgpuCheck(allowSoftware: boolean): Promise<{ ok: true; shaderF16: boolean } | { ok: false; reason: string }> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return { ok: false, reason: "This browser has no WebGPU (navigator.gpu is missing)" };
  try {
    const adapter = (await gpu.requestAdapter()) as { features?: { has(f: string): boolean }; isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } } | null;
    if (!adapter) return { ok: false, reason: "No WebGPU adapter is available" };
    const software = adapter.info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
    if (software && !allowSoftware) return { ok: false, reason: "The only WebGPU adapter is a software one (no GPU), slower than WASM" };
    return { ok: true, shaderF16: adapter.features?.has("shader-f16") === true };
  } catch (e) {
    return { ok: false, reason: `WebGPU adapter request failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Cache Storage wrapped for transformers.js (`env.customCache`), noting which files came from it. */
function trackingCache(cache: Cache, seen: Map<string, boolean>) {
  return {
    async match(key: string): Promise<Response | undefined> {
      const hit = await cache.match(key);
      const url = new URL(key, self.location.href).toString();
      if (!seen.has(url)) seen.set(url, hit !== undefined);
      return hit;
    },
    async put(key: string, response: Response): Promise<void> {
      await cache.put(key, response);
    },
  };
}

/**
 * After a failed load whose error names no file: the first cached ONNX file of the model that is not a
 * well-formed model, removed from the cache (so the next load fetches it again), as an error naming it.
 */
async function corruptFile(prefix: string, model: string, cause: unknown): Promise<Error | null> {
  if (typeof caches === "undefined") return null;
  const cache = await caches.open(TFJS_CACHE);
  for (const req of await cache.keys()) {
    if (!req.url.startsWith(prefix) || !req.url.endsWith(".onnx")) continue;
    const res = await cache.match(req);
    const problem = res ? onnxProblem(new Uint8Array(await res.arrayBuffer())) : null;
    if (!problem) continue;
    await cache.delete(req);
    const file = req.url.slice(prefix.length);
    const { TfjsModelError } = (await modules()).engine;
    return new TfjsModelError(`The model ${model} could not be loaded: ${file} is corrupt (${problem}); it was removed from this browser's cache`, { cause });
  }
  return null;
}

/** The size of each file a load would read, before downloading it: from the cache, else a HEAD request. */
async function modelSize(prefix: string, dtype: TfjsDtype): Promise<TfjsModelSize> {
  const cache = typeof caches !== "undefined" ? await caches.open(TFJS_CACHE) : undefined;
  const files = await Promise.all(
    modelFiles(dtype).map(async (file) => {
      const url = `${prefix}${file}`;
      const hit = await cache?.match(url);
      if (hit) return { file, bytes: Number(hit.headers.get("content-length")) || (await hit.blob()).size, cached: true, ok: true };
      const res = await fetch(url, { method: "HEAD" }).catch(() => undefined);
      // The hub answers a HEAD of a large file with its size in x-linked-size (content-length is the redirect's).
      const len = Number(res?.headers.get("x-linked-size") ?? res?.headers.get("content-length"));
      return { file, bytes: res?.ok && Number.isFinite(len) && len > 0 ? len : null, cached: false, ok: res?.ok === true };
    }),
  );
  return {
    files: files.map(({ file, bytes, cached }) => ({ file, bytes, cached })),
    bytes: files.reduce((a, f) => a + (f.bytes ?? 0), 0),
    missing: files.filter((f) => !f.ok && !OPTIONAL_FILES.includes(f.file)).map((f) => f.file),
  };
}

async function cacheInfo(prefix: string): Promise<TfjsCacheInfo> {
  if (typeof caches === "undefined") return { files: [], bytes: 0 };
  const cache = await caches.open(TFJS_CACHE);
  const files: TfjsCacheInfo["files"] = [];
  for (const req of await cache.keys()) {
    if (!req.url.startsWith(prefix)) continue;
    const res = await cache.match(req);
    const len = Number(res?.headers.get("content-length"));
    files.push({ url: req.url, bytes: Number.isFinite(len) && len > 0 ? len : ((await res?.blob())?.size ?? 0) });
  }
  return { files, bytes: files.reduce((a, f) => a + f.bytes, 0) };
}

export function createTfjsWorkerCore(post: (m: TfjsResponse) => void) {
  let engine: Engine | undefined;
  let loadedModel: string | undefined;
  let assetUrl = "/api/assets/";
  const controllers = new Map<string, AbortController>();
  let queue: Promise<unknown> = Promise.resolve();
  /** One call at a time: generate, score, load share the model. */
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f, f);
    queue = run.catch(() => undefined);
    return run;
  };

  const images = async (assetId: string): Promise<Uint8Array> => {
    const res = await fetch(`${assetUrl}${assetId}`);
    if (!res.ok) throw Object.assign(new Error(`Image ${assetId.slice(0, 12)} could not be loaded (HTTP ${res.status})`), { code: res.status === 404 ? "not_found" : "internal" });
    return new Uint8Array(await res.arrayBuffer());
  };

  async function load(id: string, raw: unknown): Promise<TfjsLoadedInfo> {
    const req = TfjsLoadSchema.parse(raw);
    if (req.assetUrl) assetUrl = req.assetUrl;
    const { engine: E, tf } = await modules();
    const onnx = tf.env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number; proxy?: boolean }; versions?: { web?: string } };
    if (onnx.wasm) {
      onnx.wasm.wasmPaths = req.wasmPaths ?? runtimeBase(onnx.versions?.web ?? "");
      onnx.wasm.numThreads = wasmThreads(self.crossOriginIsolated === true, navigator.hardwareConcurrency);
      onnx.wasm.proxy = false;
    }
    const seen = new Map<string, boolean>();
    if (typeof caches !== "undefined") {
      tf.env.useBrowserCache = false;
      tf.env.useCustomCache = true;
      tf.env.customCache = trackingCache(await caches.open(TFJS_CACHE), seen) as never;
    }
    await engine?.release().catch(() => undefined);
    engine = undefined;
    loadedModel = undefined;

    let device: "webgpu" | "wasm" = "wasm";
    let fallbackReason: string | undefined;
    let shaderF16 = false;
    if (req.device !== "wasm") {
      const gpu = await webgpuCheck(req.allowSoftwareAdapter === true);
      if (gpu.ok) {
        device = "webgpu";
        shaderF16 = gpu.shaderF16;
        if (!shaderF16 && JSON.stringify(dtypeForDevice(req.dtype, "webgpu", false)) !== JSON.stringify(req.dtype))
          fallbackReason = `This GPU has no shader-f16: the 16-bit weights load as ${JSON.stringify(dtypeForDevice(req.dtype, "webgpu", false))} instead`;
      } else fallbackReason = gpu.reason;
    }
    const prefix = cachePrefix(req.model, self.location.href, tf.env.remoteHost);
    const files = new Map<string, { loaded: number; total: number }>();
    const onProgress = (p: { file: string; status: "initiate" | "download" | "progress" | "done"; loaded: number; total: number }) => {
      const f = files.get(p.file) ?? { loaded: 0, total: 0 };
      if (p.status === "progress") files.set(p.file, { loaded: p.loaded, total: p.total });
      else if (!files.has(p.file)) files.set(p.file, f);
      const fromCache = [...seen.entries()].find(([url]) => url.startsWith(prefix) && url.endsWith(`/${p.file}`))?.[1];
      let loadedBytes = 0;
      let totalBytes = 0;
      for (const v of files.values()) {
        loadedBytes += v.loaded;
        totalBytes += v.total;
      }
      post({ type: "progress", id, file: p.file, status: p.status, loaded: p.loaded, total: p.total, ...(fromCache !== undefined ? { fromCache } : {}), loadedBytes, totalBytes });
    };
    const attempt = (d: TfjsDevice) =>
      E.TfjsEngine.load({ model: req.model, dtype: dtypeForDevice(req.dtype, d, shaderF16), device: d, allowRemote: req.allowRemote, promptStyle: req.promptStyle, onProgress });
    try {
      try {
        engine = await attempt(device);
      } catch (e) {
        if (device !== "webgpu" || /\.(onnx|json)\b/.test((e as Error).message ?? "")) throw e;
        fallbackReason = `WebGPU failed (${e instanceof Error ? e.message : String(e)}); running on WASM`;
        device = "wasm";
        engine = await attempt(device);
      }
    } catch (e) {
      if (/\.(onnx|json)\b/.test((e as Error).message ?? "")) throw e;
      throw (await corruptFile(prefix, req.model, e)) ?? e;
    }
    loadedModel = req.model;
    const list = [...files.entries()].map(([file, v]) => {
      const fromCache = [...seen.entries()].find(([url]) => url.startsWith(prefix) && url.endsWith(`/${file}`))?.[1] ?? false;
      return { file, bytes: v.total || v.loaded, fromCache };
    });
    return {
      model: req.model,
      executionProvider: device,
      dtype: engine.dtype,
      ...(fallbackReason ? { fallbackReason } : {}),
      fromCache: list.length > 0 && list.every((f) => f.fromCache),
      files: list,
    };
  }

  const need = (): Engine => {
    if (!engine) throw Object.assign(new Error("No model is loaded in the transformers.js worker"), { name: "NotLoaded", code: "bad_request" });
    return engine;
  };

  async function handle(raw: unknown): Promise<void> {
    const parsed = TfjsRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const rid = typeof (raw as { id?: unknown })?.id === "string" ? (raw as { id: string }).id : "?";
      post({ type: "error", id: rid, error: { name: "BadRequest", message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), code: "bad_request" } });
      return;
    }
    const m = parsed.data;
    if (m.type === "cancel") {
      controllers.get(m.target)?.abort();
      post({ type: "done", id: m.id });
      return;
    }
    const ac = new AbortController();
    controllers.set(m.id, ac);
    try {
      switch (m.type) {
        case "load": {
          const info = await serial(() => load(m.id, m));
          post({ type: "loaded", id: m.id, info });
          break;
        }
        case "generate": {
          const result = await serial(() => need().generate(m.prompt as PromptSequence, images, m.params, { signal: ac.signal, onToken: (event) => post({ type: "token", id: m.id, event }) }));
          post({ type: "generated", id: m.id, result });
          break;
        }
        case "score": {
          const scores = await serial(() => need().score(m.prompt as PromptSequence, images, m.candidates, { signal: ac.signal, ...(m.appendEndOfChunk !== undefined ? { appendEnd: m.appendEndOfChunk } : {}) }));
          post({ type: "scored", id: m.id, scores });
          break;
        }
        case "render":
          post({ type: "rendered", id: m.id, text: need().renderPrompt(m.prompt as PromptSequence) });
          break;
        case "size": {
          const { tf } = await modules();
          post({ type: "size", id: m.id, size: await modelSize(cachePrefix(m.model, self.location.href, tf.env.remoteHost), m.dtype) });
          break;
        }
        case "cacheInfo": {
          const { tf } = await modules();
          post({ type: "cache", id: m.id, cache: await cacheInfo(cachePrefix(m.model, self.location.href, tf.env.remoteHost)) });
          break;
        }
        case "evict": {
          const { tf } = await modules();
          const prefix = cachePrefix(m.model, self.location.href, tf.env.remoteHost);
          await serial(async () => {
            if (loadedModel === m.model) {
              await engine?.release().catch(() => undefined);
              engine = undefined;
              loadedModel = undefined;
            }
            if (typeof caches === "undefined") return;
            const cache = await caches.open(TFJS_CACHE);
            for (const req of await cache.keys()) if (req.url.startsWith(prefix)) await cache.delete(req);
          });
          post({ type: "cache", id: m.id, cache: await cacheInfo(prefix) });
          break;
        }
      }
    } catch (e) {
      post({ type: "error", id: m.id, error: serializeError(e) });
    } finally {
      controllers.delete(m.id);
    }
  }

  return { handle };
}
