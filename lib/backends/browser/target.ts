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
 * `engine` (a registry id from /api/engines) only means something with `backend: "server"`;
 * absent, the server runs the bundled model. Stored as is in notebook cells (RunParams).
 */
export interface RunTarget {
  backend: BackendChoice;
  engine?: string;
}

/** A target with nothing redundant: no engine off the server, none for the bundled model. */
export function normalizeTarget(t: BackendChoice | RunTarget): RunTarget {
  const target = typeof t === "string" ? { backend: t } : t;
  return target.backend === "server" && target.engine && target.engine !== DEFAULT_MODEL_ID ? { backend: "server", engine: target.engine } : { backend: target.backend };
}
