/**
 * WebGPU is not always faster than WASM: a weak or integrated GPU, or a driver that emulates
 * WebGPU on the CPU without saying so, can be slower for a model this small. When the worker loads
 * on WebGPU it times one image encode + one decode step on WebGPU and on WASM, keeps the faster,
 * says why when that is WASM, and remembers the timings for this adapter and package.
 * Pure (no DOM): the worker and the unit tests share it.
 */

/** One probe's timings: ms per (vision.onnx on one image + one lm.onnx step), median of a few. */
export interface ProviderTimings {
  webgpuMs: number;
  wasmMs: number;
}

/** WebGPU must be at least this much slower to be passed over (timings of a few steps are noisy). */
export const SLOWER_MARGIN = 1.2;

/** Whether WASM should run instead of WebGPU. */
export function wasmIsFaster(t: ProviderTimings): boolean {
  return Number.isFinite(t.wasmMs) && t.wasmMs > 0 && t.webgpuMs > t.wasmMs * SLOWER_MARGIN;
}

/** The fallback reason shown beside the run ("measured" says it was timed, not guessed). */
export function slowerReason(t: ProviderTimings, remembered = false): string {
  const f = (ms: number) => (ms >= 10 ? ms.toFixed(0) : ms.toFixed(1));
  return `WebGPU measured slower than WASM on this device (${f(t.webgpuMs)} ms against ${f(t.wasmMs)} ms for one image and one token${remembered ? ", measured on an earlier load" : ""})`;
}

/**
 * The key timings are remembered under: the package's path (no trailing slash) and the adapter
 * (vendor, architecture, device). Removing the package from the browser drops them (browser-env.ts).
 */
export function speedVerdictKey(packageUrl: string, adapter: string): string {
  return `${new URL(packageUrl, "http://localhost/").pathname.replace(/\/+$/, "")}|${adapter}`;
}

/** Median of the timings (ms). */
export function medianMs(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
