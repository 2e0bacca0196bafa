/**
 * Which onnxruntime-web files the browser fetches, from where, and with how many threads. Pure
 * (no DOM): the worker (browser-env.ts), scripts/ensure-deps.sh's copy step (the same file names)
 * and the unit tests share it.
 *
 * onnxruntime-web 1.30 ships four WebAssembly builds; each provider needs exactly one:
 * - WASM EP: `ort-wasm-simd-threaded.wasm` (14.2 MB, 3.7 MB gzipped), the smallest build;
 * - WebGPU EP: `ort-wasm-simd-threaded.asyncify.wasm` (26.8 MB), what `onnxruntime-web/webgpu` loads.
 * The `.jsep` and `.jspi` builds are never used, so they are not served.
 */

export type RuntimeProvider = "webgpu" | "wasm";

/** The Emscripten glue (`.mjs`) and binary (`.wasm`) base name per provider. */
export const RUNTIME_BUILD: Readonly<Record<RuntimeProvider, string>> = {
  wasm: "ort-wasm-simd-threaded",
  webgpu: "ort-wasm-simd-threaded.asyncify",
};

/** Every file the app self-hosts under `/ort/<version>/` (copied there from node_modules by scripts/ensure-deps.sh). */
export const RUNTIME_FILES: readonly string[] = Object.values(RUNTIME_BUILD).flatMap((b) => [`${b}.mjs`, `${b}.wasm`]);

/**
 * Where the runtime of this onnxruntime-web version is served: a versioned folder, so it can be
 * cached as immutable (next.config.ts) and the browser's compiled-code cache keeps hitting.
 */
export const runtimeBase = (version: string): string => `/ort/${version}/`;

/**
 * WASM threads when the page is cross-origin isolated (SharedArrayBuffer exists): every core but
 * one (left to the page and the rest of the system), at most 4; else 1. Measured on a shared
 * 2-core machine (`npm run bench -- --browser-isolation on|off`), 2 threads were slower than 1
 * (ORT's pool spins on a core the page and other processes need), so 2 cores get 1 thread.
 */
export function wasmThreads(crossOriginIsolated: boolean, hardwareConcurrency: number | undefined): number {
  if (!crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, Math.floor(hardwareConcurrency ?? 1) - 1));
}
