/**
 * Where a prompt runs from the UI: the browser worker (WebGPU or WASM), or the server with a
 * registry engine. Pure (no DOM, no React): the Run panel's options, notebook cells and the
 * run client (ui-backends.ts) share it.
 */
import { DEFAULT_MODEL_ID } from "@/lib/models/defaults";

export type BackendChoice = "webgpu" | "wasm" | "server";

/**
 * Where a run goes unless the user picks: the browser worker preferring WebGPU, which falls back
 * to WASM by itself (no adapter, or only a software one: see browser-env.ts), and says so. The
 * same everywhere: the Run panel, new notebook cells, comparisons.
 */
export const DEFAULT_BACKEND: BackendChoice = "webgpu";

/**
 * Where a prompt runs: the browser worker (WebGPU or WASM), or the server with a registry engine.
 * `engine` is a registry id from /api/engines: with `backend: "server"` an engine the server runs
 * (absent: the bundled model); with a browser backend a transformers.js engine, run in this page's
 * transformers.js worker (absent: the bundled model in the inference worker). Stored as is in
 * notebook cells (RunParams).
 */
export interface RunTarget {
  backend: BackendChoice;
  engine?: string;
}

/** A target with nothing redundant: no engine for the bundled model. */
export function normalizeTarget(t: BackendChoice | RunTarget): RunTarget {
  const target = typeof t === "string" ? { backend: t } : t;
  return target.engine && target.engine !== DEFAULT_MODEL_ID ? { backend: target.backend, engine: target.engine } : { backend: target.backend };
}

/** A transformers.js engine's target: the browser backend its device preference names (WebGPU, falling back to WASM, unless it asks for WASM). */
export function browserEngineTarget(engine: string, device: "auto" | "webgpu" | "wasm"): RunTarget {
  return { backend: device === "wasm" ? "wasm" : "webgpu", engine };
}
