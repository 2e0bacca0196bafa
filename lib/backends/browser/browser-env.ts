/**
 * The worker's browser environment: onnxruntime-web (self-hosted runtime, the smallest build for
 * the provider, threaded when cross-origin isolated), package files from
 * Cache Storage or the network with byte progress, images decoded with createImageBitmap +
 * OffscreenCanvas, WebGPU detection. Used only inside a Worker.
 */
import type { FetchFile } from "@/lib/runtime/manifest";
import type { OrtNamespace } from "@/lib/runtime/ort";
import type { RgbaImage } from "@/lib/runtime/preprocess";
import { speedVerdictKey, type ProviderTimings } from "./provider-speed";
import { RUNTIME_BUILD, runtimeBase, wasmThreads, type RuntimeProvider } from "./runtime-files";
import type { WorkerEnv } from "./worker-core";

/** Named Cache Storage bucket for model files; bump to drop old copies. */
export const MODEL_CACHE = "flamingo-models-v1";

/**
 * Where ORT's glue (.mjs) and WebAssembly (.wasm) are served from: by default `/ort/<version>/`
 * (runtime-files.ts; scripts/ensure-deps.sh copies them to public/), never a CDN. Set `wasmPaths`
 * (before the first load) to serve them from elsewhere.
 */
export const ortConfig: { wasmPaths?: string } = {};

const ortWeb: Partial<Record<RuntimeProvider, Promise<OrtNamespace>>> = {};

type OrtWeb = typeof import("onnxruntime-web/wasm");

/**
 * The ORT namespace for a provider: the WASM-only build for "wasm" (its runtime is half the size
 * of the WebGPU one), the WebGPU build for "webgpu". Threads: wasmThreads() (more than 1 only when
 * the page is cross-origin isolated: next.config.ts sends COOP/COEP, and there are cores to spare).
 */
async function loadOrt(provider: RuntimeProvider): Promise<OrtNamespace> {
  ortWeb[provider] ??= (provider === "webgpu" ? import("onnxruntime-web/webgpu") : import("onnxruntime-web/wasm")).then((ort: OrtWeb) => {
    ort.env.wasm.wasmPaths = ortConfig.wasmPaths ?? runtimeBase(ort.env.versions.web ?? "");
    ort.env.wasm.numThreads = wasmThreads(self.crossOriginIsolated === true, navigator.hardwareConcurrency);
    ort.env.wasm.proxy = false;
    return ort satisfies OrtNamespace;
  });
  return ortWeb[provider];
}

/**
 * Fetch the provider's runtime .wasm ourselves, before ORT does: its bytes are counted in the load
 * progress, and ORT's own fetch (streaming compilation) is then answered by the HTTP cache
 * (immutable: next.config.ts), which also keeps the browser's compiled code. Whether it came from
 * the cache: asked first with `only-if-cached`, which answers from the HTTP cache or fails.
 */
async function fetchRuntime(provider: RuntimeProvider, onBytes: (loaded: number, total: number) => void, onSource?: (fromCache: boolean) => void): Promise<{ fromCache: boolean }> {
  const ort = (await loadOrt(provider)) as unknown as OrtWeb;
  const base = typeof ort.env.wasm.wasmPaths === "string" ? ort.env.wasm.wasmPaths : runtimeBase(ort.env.versions.web ?? "");
  const url = new URL(`${base}${RUNTIME_BUILD[provider]}.wasm`, self.location.href).toString();
  const cached = await fetch(url, { cache: "only-if-cached", mode: "same-origin", credentials: "same-origin" }).catch(() => undefined);
  const fromCache = cached?.ok === true;
  onSource?.(fromCache);
  const res = fromCache ? (cached as Response) : await fetch(url, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`The ONNX Runtime WebAssembly (${url}) could not be loaded: HTTP ${res.status}`);
  const total = Number(res.headers.get("content-length")) || 0;
  // From the cache with a known size: nothing to wait for (ORT reads it from the cache itself).
  if (fromCache && total > 0) {
    await res.body?.cancel();
    onBytes(total, total);
    return { fromCache };
  }
  onBytes(0, total);
  let loaded = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      loaded += value.byteLength;
      onBytes(loaded, total);
    }
  }
  onBytes(loaded, Math.max(total, loaded));
  return { fromCache };
}

/**
 * The smallest ONNX model (70 bytes: y = Identity(x), x and y float32 `[1]`, opset 13), generated
 * with onnx.helper. Creating a session from it makes ORT fetch, compile and start its WebAssembly
 * runtime while the real model is still downloading (ORT has no other way to start it early).
 */
const IDENTITY_MODEL = Uint8Array.from(atob("CAcSADo6ChAKAXgSAXkiCElkZW50aXR5EgR3YXJtWg8KAXgSCgoICAESBAoCCAFiDwoBeRIKCggIARIECgIIAUIECgAQDQ=="), (c) => c.charCodeAt(0));

async function startRuntime(provider: RuntimeProvider): Promise<void> {
  const ort = await loadOrt(provider);
  const session = await ort.InferenceSession.create(IDENTITY_MODEL, { executionProviders: ["wasm"], logSeverityLevel: 3 });
  await session.release?.();
}

async function readWithProgress(res: Response, onBytes?: (n: number) => void): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    onBytes?.(total);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

/** Package files: Cache Storage first, else the network (then stored); `onSource` says which, per file. */
export function cachedFetchFile(packageUrl: string, onSource?: (file: string, fromCache: boolean) => void): FetchFile {
  const base = packageUrl.endsWith("/") ? packageUrl : `${packageUrl}/`;
  return async (name, onBytes) => {
    const url = new URL(name, new URL(base, self.location.href)).toString();
    // The manifest is always revalidated: it names the hashes of everything else.
    const cacheable = name !== "manifest.json" && typeof caches !== "undefined";
    const cache = cacheable ? await caches.open(MODEL_CACHE) : undefined;
    const hit = await cache?.match(url);
    if (hit) {
      onSource?.(name, true);
      return readWithProgress(hit, onBytes);
    }
    onSource?.(name, false);
    const res = await fetch(url, { cache: "no-cache" });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
    const bytes = await readWithProgress(res, onBytes);
    await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": res.headers.get("content-type") ?? "application/octet-stream" } }));
    return bytes;
  };
}

/**
 * Larger images are shrunk (by the browser's native scaler, not JS loops) to at most this on a side
 * before the engine's own preprocessing, as the server's decoder does (DECODE_MAX_SIDE in
 * lib/backends/server/sharp-decoder.ts): smaller ones reach it untouched, so both give the same numbers.
 */
export const DECODE_MAX_SIDE = 1024;

/**
 * One canvas for every decode in this worker (resized as needed), read back often. Safe with
 * decodes in parallel: each one draws and reads it back with no await in between.
 */
let scratch: { canvas: OffscreenCanvas; ctx: OffscreenCanvasRenderingContext2D } | undefined;

function scratchContext(width: number, height: number): OffscreenCanvasRenderingContext2D {
  if (!scratch) {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) throw new Error("No 2D context on OffscreenCanvas");
    scratch = { canvas, ctx };
  }
  const { canvas, ctx } = scratch;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  } else ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** Image bytes -> RGBA with createImageBitmap (off the page's thread), shrunk natively past DECODE_MAX_SIDE. */
export async function decodeWithCanvas(bytes: Uint8Array, target?: { width: number; height: number }): Promise<RgbaImage> {
  const opts = { premultiplyAlpha: "none", colorSpaceConversion: "none" } as const;
  let bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), opts);
  try {
    const side = Math.max(DECODE_MAX_SIDE, target?.width ?? 0, target?.height ?? 0);
    if (bitmap.width > side || bitmap.height > side) {
      // Stretch each side to at most `side` (the model stretches anyway, no crop).
      const shrunk = await createImageBitmap(bitmap, { ...opts, resizeWidth: Math.min(bitmap.width, side), resizeHeight: Math.min(bitmap.height, side), resizeQuality: "medium" });
      bitmap.close();
      bitmap = shrunk;
    }
    const ctx = scratchContext(bitmap.width, bitmap.height);
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    return { width: bitmap.width, height: bitmap.height, data };
  } finally {
    bitmap.close();
  }
}

export const SOFTWARE_ADAPTER_REASON = "The only WebGPU adapter is a software one (no GPU), slower than WASM";

/**
 * Whether a WebGPU adapter is a software fallback (SwiftShader and the like: a CPU pretending to be
 * a GPU, slower than WASM for this model). `info.isFallbackAdapter` in current browsers, the
 * adapter's own `isFallbackAdapter` in older ones.
 */
export function isSoftwareAdapter(adapter: unknown): boolean {
  const a = adapter as { isFallbackAdapter?: unknown; info?: { isFallbackAdapter?: unknown } } | null;
  return a?.info?.isFallbackAdapter === true || a?.isFallbackAdapter === true;
}

/** What names an adapter for remembered timings: vendor, architecture, device, description (whichever it tells). */
function adapterKey(adapter: unknown): string {
  const info = (adapter as { info?: Record<string, unknown> } | null)?.info ?? {};
  const parts = ["vendor", "architecture", "device", "description"].map((k) => (typeof info[k] === "string" ? (info[k] as string) : "")).filter(Boolean);
  return parts.length > 0 ? parts.join(" / ") : "WebGPU adapter";
}

/** Remembered provider timings live beside the model files (same bucket: "remove from this browser" drops them). */
const speedUrl = (key: string) => new URL(`/__flamingo/provider-speed/${encodeURIComponent(key)}`, self.location.href).toString();

export const browserEnv: WorkerEnv = {
  ort: (provider) => loadOrt(provider),
  fetchRuntime,
  startRuntime,
  async webgpuAvailable(opts = {}) {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return { ok: false, reason: "This browser has no WebGPU (navigator.gpu is missing)" };
    try {
      const adapter = await gpu.requestAdapter();
      if (!adapter) return { ok: false, reason: "No WebGPU adapter is available" };
      if (isSoftwareAdapter(adapter) && !opts.allowSoftwareAdapter) return { ok: false, reason: SOFTWARE_ADAPTER_REASON };
      return { ok: true, adapter: adapterKey(adapter) };
    } catch (e) {
      return { ok: false, reason: `WebGPU adapter request failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  },
  async recallSpeed(key) {
    if (typeof caches === "undefined") return undefined;
    const hit = await (await caches.open(MODEL_CACHE)).match(speedUrl(key));
    const t = hit ? ((await hit.json()) as Partial<ProviderTimings>) : undefined;
    return typeof t?.webgpuMs === "number" && typeof t.wasmMs === "number" ? { webgpuMs: t.webgpuMs, wasmMs: t.wasmMs } : undefined;
  },
  async rememberSpeed(key, t) {
    if (typeof caches === "undefined") return;
    await (await caches.open(MODEL_CACHE)).put(speedUrl(key), new Response(JSON.stringify(t), { headers: { "content-type": "application/json" } }));
  },
  fetchFile: (packageUrl, hooks) => cachedFetchFile(packageUrl, hooks?.onSource),
  async fetchImage(assetUrl, assetId) {
    const res = await fetch(`${assetUrl}${assetId}`);
    if (!res.ok) throw Object.assign(new Error(`Image ${assetId.slice(0, 12)} could not be loaded (HTTP ${res.status})`), { code: res.status === 404 ? "not_found" : "internal" });
    return new Uint8Array(await res.arrayBuffer());
  },
  decodeImage: decodeWithCanvas,
  async evictPackage(packageUrl) {
    if (typeof caches === "undefined") return;
    const cache = await caches.open(MODEL_CACHE);
    const prefix = new URL(packageUrl.endsWith("/") ? packageUrl : `${packageUrl}/`, self.location.href).toString();
    const speeds = speedUrl(speedVerdictKey(packageUrl, ""));
    for (const req of await cache.keys()) if (req.url.startsWith(prefix) || req.url.startsWith(speeds)) await cache.delete(req);
  },
  onDeviceLost(ort, lost) {
    const device = (ort as unknown as { env?: { webgpu?: { device?: { lost?: Promise<{ message?: string }> } } } }).env?.webgpu?.device;
    void device?.lost?.then((info) => lost(info?.message || "unknown reason"));
  },
};
