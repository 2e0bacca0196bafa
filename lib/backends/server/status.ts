import "server-only";
import { existsSync } from "node:fs";
import path from "node:path";

/**
 * Which execution provider each server model loaded on, kept apart from engine.ts so that
 * /api/health can report it without importing onnxruntime-node (nothing is loaded here).
 */
export interface ServerModelStatus {
  id: string;
  state: "loading" | "ready" | "failed";
  /** "cuda" or "cpu": the provider both sessions were created with. */
  executionProvider?: "cuda" | "cpu";
  /** Why CUDA was not used, when it was wanted and could not load. */
  fallbackReason?: string;
  error?: string;
}

const status = new Map<string, ServerModelStatus>();

export function setModelStatus(key: string, s: ServerModelStatus | undefined): void {
  if (s) status.set(key, s);
  else status.delete(key);
}

export function clearModelStatus(): void {
  status.clear();
}

/** Models loaded (or loading, or failed) in this process and their execution providers; loads nothing. For /api/health. */
export function serverModelStatus(): ServerModelStatus[] {
  return [...status.values()];
}

/**
 * onnxruntime-node's native folder for this platform. `createRequire` comes from
 * `process.getBuiltinModule` because a bundler rewrites a static `createRequire(import.meta.url)`
 * into its own module ids (in the Next build, `resolve` returned a number and the check never ran).
 */
function ortNativeDir(): string {
  const { createRequire } = process.getBuiltinModule("node:module");
  const entry = createRequire(path.join(process.cwd(), "package.json")).resolve("onnxruntime-node");
  return path.join(path.dirname(entry), "..", "bin", "napi-v6", process.platform, process.arch);
}

/** Why CUDA cannot load, when that is visible without trying (saves ORT's error log); else undefined. */
export function cudaLibraryMissing(): string | undefined {
  try {
    const dir = ortNativeDir();
    if (!existsSync(path.join(dir, "libonnxruntime_providers_cuda.so"))) {
      return "onnxruntime-node has no CUDA provider library here (installed with ONNXRUNTIME_NODE_INSTALL=skip, or no CUDA build for this platform)";
    }
  } catch {
    // Unknown layout: just try CUDA.
  }
  return undefined;
}

/**
 * The execution provider a model load would pick, without loading anything: what FLAMINGO_EP asks
 * for, and whether the CUDA provider library is present (when absent: the reason CPU will be used).
 */
export function executionProviderPlan(): { requested: "auto" | "cpu" | "cuda"; cudaLibrary: boolean; reason?: string } {
  const env = process.env.FLAMINGO_EP;
  const requested = env === "cpu" || env === "cuda" ? env : "auto";
  const missing = cudaLibraryMissing();
  if (requested === "cpu") return { requested, cudaLibrary: !missing, reason: "FLAMINGO_EP=cpu" };
  return { requested, cudaLibrary: !missing, ...(missing ? { reason: missing } : {}) };
}
