/**
 * The worker's browser environment: onnxruntime-web (self-hosted wasm), package files from
 * Cache Storage or the network with byte progress, images decoded with createImageBitmap +
 * OffscreenCanvas, WebGPU detection. Used only inside a Worker.
 */
import type { FetchFile } from "@/lib/runtime/manifest";
import type { OrtNamespace } from "@/lib/runtime/ort";
import type { RgbaImage } from "@/lib/runtime/preprocess";
import type { WorkerEnv } from "./worker-core";

/** Named Cache Storage bucket for model files; bump to drop old copies. */
export const MODEL_CACHE = "flamingo-models-v1";

/**
 * Where ORT's .mjs/.wasm are served from. Unset: the bundler emits them with the app (Next
 * puts the .wasm under /_next/static/media), so nothing comes from a CDN. Set it (before the
 * first load) to serve a copy from elsewhere, e.g. "/ort/".
 */
export const ortConfig: { wasmPaths?: string } = {};

let ortWeb: Promise<OrtNamespace> | undefined;

async function loadOrt(): Promise<OrtNamespace> {
  ortWeb ??= import("onnxruntime-web/webgpu").then((ort) => {
    if (ortConfig.wasmPaths) ort.env.wasm.wasmPaths = ortConfig.wasmPaths;
    return ort satisfies OrtNamespace;
  });
  return ortWeb;
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

export function cachedFetchFile(packageUrl: string): FetchFile {
  const base = packageUrl.endsWith("/") ? packageUrl : `${packageUrl}/`;
  return async (name, onBytes) => {
    const url = new URL(name, new URL(base, self.location.href)).toString();
    // The manifest is always revalidated: it names the hashes of everything else.
    const cacheable = name !== "manifest.json" && typeof caches !== "undefined";
    const cache = cacheable ? await caches.open(MODEL_CACHE) : undefined;
    const hit = await cache?.match(url);
    if (hit) return readWithProgress(hit, onBytes);
    const res = await fetch(url, { cache: "no-cache" });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
    const bytes = await readWithProgress(res, onBytes);
    await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": res.headers.get("content-type") ?? "application/octet-stream" } }));
    return bytes;
  };
}

export async function decodeWithCanvas(bytes: Uint8Array): Promise<RgbaImage> {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: "none", colorSpaceConversion: "none" });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) throw new Error("No 2D context on OffscreenCanvas");
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

export const browserEnv: WorkerEnv = {
  ort: () => loadOrt(),
  async webgpuAvailable(opts = {}) {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return { ok: false, reason: "This browser has no WebGPU (navigator.gpu is missing)" };
    try {
      const adapter = await gpu.requestAdapter();
      if (!adapter) return { ok: false, reason: "No WebGPU adapter is available" };
      if (isSoftwareAdapter(adapter) && !opts.allowSoftwareAdapter) return { ok: false, reason: SOFTWARE_ADAPTER_REASON };
    } catch (e) {
      return { ok: false, reason: `WebGPU adapter request failed: ${e instanceof Error ? e.message : String(e)}` };
    }
    return { ok: true };
  },
  fetchFile: cachedFetchFile,
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
    for (const req of await cache.keys()) if (req.url.startsWith(prefix)) await cache.delete(req);
  },
  onDeviceLost(ort, lost) {
    const device = (ort as unknown as { env?: { webgpu?: { device?: { lost?: Promise<{ message?: string }> } } } }).env?.webgpu?.device;
    void device?.lost?.then((info) => lost(info?.message || "unknown reason"));
  },
};
