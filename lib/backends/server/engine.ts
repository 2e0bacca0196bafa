import "server-only";
import { stat } from "node:fs/promises";
import path from "node:path";
import { withFallback, type ProviderAvailability } from "@/lib/backends/provider-fallback";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { modelsDir } from "@/lib/models/installed";
import { FlamingoEngine, type ImageSource } from "@/lib/runtime/engine";
import { loadPackage, type ModelPackage } from "@/lib/runtime/manifest";
import { QueueFullError } from "@/lib/runtime/queue";
import { fsFetchFile } from "./fs-package";
import { workerOrt } from "./ort-worker";
import { DEFAULT_LIMITS, type ServerLimits } from "./limits";
import { decodeWithSharp } from "./sharp-decoder";
import { clearModelStatus, cudaLibraryMissing, setModelStatus } from "./status";

/** The server's model engine and the execution provider it ended up on. */
export interface ServerModel {
  id: string;
  engine: FlamingoEngine;
  /** "cuda" or "cpu": the provider both sessions were created with. */
  executionProvider: "cuda" | "cpu";
  /** Why CUDA was not used, when it was tried and failed. */
  fallbackReason?: string;
  loadMs: number;
}

export interface ServerEngineOptions {
  /** Folder holding `<id>/manifest.json` (default: lib/models/installed.ts `modelsDir()`, FLAMINGO_MODELS_DIR of lib/env.ts). */
  modelsDir?: string;
  /** Image bytes by asset id (default: the asset store). */
  imageSource?: ImageSource;
  /** "auto" (default: CUDA when it loads, else CPU), "cpu" or "cuda" (FLAMINGO_EP overrides). */
  executionProvider?: "auto" | "cpu" | "cuda";
  limits?: ServerLimits;
}

const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/**
 * Images that arrive inside a request (data URLs of the OpenAI-compatible endpoint) rather than
 * from the asset store: kept by content hash, bounded in total bytes, oldest dropped first.
 */
const EPHEMERAL_MAX_BYTES = 64 * 1024 * 1024;
const ephemeral = new Map<string, Uint8Array>();
let ephemeralBytes = 0;

export function putEphemeralImage(id: string, bytes: Uint8Array): void {
  if (ephemeral.has(id)) {
    ephemeral.delete(id);
    ephemeral.set(id, bytes);
    return;
  }
  ephemeral.set(id, bytes);
  ephemeralBytes += bytes.byteLength;
  for (const [k, v] of ephemeral) {
    if (ephemeralBytes <= EPHEMERAL_MAX_BYTES || k === id) break;
    ephemeral.delete(k);
    ephemeralBytes -= v.byteLength;
  }
}

const storeImageSource: ImageSource = async (assetId) => {
  const held = ephemeral.get(assetId);
  if (held) return held;
  const { getAssetBytes } = await import("@/lib/store/assets");
  return (await getAssetBytes(assetId)).bytes;
};

/**
 * Image bytes by asset id as this server's engines read them: images that came inside a request
 * (ephemeral, by content hash) first, then the asset store. Remote engines use it too
 * (lib/backends/remote), so a prompt sent to any engine finds the same images.
 */
export const serverImageSource: ImageSource = storeImageSource;

const models = new Map<string, Promise<ServerModel>>();

/** The engine for `modelId`, created once per process (concurrent callers share the load). */
export function getServerModel(modelId: string, opts: ServerEngineOptions = {}): Promise<ServerModel> {
  const dir = opts.modelsDir ?? modelsDir();
  const key = `${dir}::${modelId}`;
  let p = models.get(key);
  if (!p) {
    p = createServerModel(modelId, dir, opts);
    models.set(key, p);
    setModelStatus(key, { id: modelId, state: "loading" });
    p.then(
      (m) => setModelStatus(key, { id: modelId, state: "ready", executionProvider: m.executionProvider, ...(m.fallbackReason ? { fallbackReason: m.fallbackReason } : {}) }),
      (e: unknown) => {
        // A failed load is not cached: the next request tries again.
        models.delete(key);
        // Unknown or malformed ids are the caller's mistake, not a model's state: keep them out.
        if (e instanceof AppError && e.status < 500 && e.code !== "unprocessable") setModelStatus(key, undefined);
        else setModelStatus(key, { id: modelId, state: "failed", error: firstLine(e) });
      },
    );
  }
  return p;
}

/** Release every loaded engine (tests, shutdown). */
export async function releaseServerModels(): Promise<void> {
  const all = [...models.values()];
  models.clear();
  clearModelStatus();
  await Promise.all(all.map((p) => p.then((m) => m.engine.release(), () => undefined)));
}

async function createServerModel(modelId: string, dir: string, opts: ServerEngineOptions): Promise<ServerModel> {
  if (!MODEL_ID.test(modelId)) throw new AppError("bad_request", `"${modelId}" is not a valid model id`);
  const folder = path.join(dir, modelId);
  const exists = await stat(path.join(folder, "manifest.json")).then((s) => s.isFile(), () => false);
  if (!exists) throw new AppError("not_found", `Model "${modelId}" was not found (no package in ${path.relative(process.cwd(), folder) || folder})`);
  const t0 = performance.now();
  const pkg = await loadPackage({ key: folder, fetchFile: fsFetchFile(folder) });
  if (pkg.manifest.id !== modelId) throw new AppError("unprocessable", `The package in ${modelId}/ says its id is "${pkg.manifest.id}"`);
  const want = (process.env.FLAMINGO_EP as ServerEngineOptions["executionProvider"]) ?? opts.executionProvider ?? "auto";
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const make = (ep: "cuda" | "cpu") =>
    FlamingoEngine.create({
      // Sessions in worker threads: onnxruntime-node's run blocks the thread it is called on (ort-worker.ts).
      ort: workerOrt,
      pkg,
      decodeImage: decodeWithSharp,
      imageSource: opts.imageSource ?? storeImageSource,
      sessionOptions: { executionProviders: [ep], graphOptimizationLevel: "all", logSeverityLevel: 3, ...ortThreads(), ...ORT_MEMORY },
      executionProvider: ep,
      maxPending: limits.maxQueue,
      maxPromptTokens: limits.maxPromptTokens ?? env().FLAMINGO_MAX_PROMPT_TOKENS,
      maxPromptTokensName: "FLAMINGO_MAX_PROMPT_TOKENS",
    });
  const { value: engine, provider: executionProvider, fallbackReason } = await withFallback<FlamingoEngine, "cuda" | "cpu">(want === "cpu" ? null : "cuda", "cpu", make, {
    // "auto" skips CUDA when its provider library is visibly absent (saves ORT's error log); "cuda" always tries.
    ...(want === "auto" ? { isAvailable: () => cudaAvailability() } : {}),
    failureReason: (e) => {
      if (want === "cuda") throw new AppError("unavailable", "The CUDA execution provider could not be loaded", { cause: e });
      return firstLine(e);
    },
  });
  return { id: modelId, engine, executionProvider, ...(fallbackReason ? { fallbackReason } : {}), loadMs: performance.now() - t0 };
}

/**
 * No CPU memory arena and no memory patterns: with them a session keeps the largest call's memory
 * reserved for good (a long prompt left the server at 4.4 GB); without them tensors go back to the
 * allocator when freed. Measured on flamingo-mini: no slower per decode step (small tensors).
 */
const ORT_MEMORY = { enableCpuMemArena: false, enableMemPattern: false } as const;

/**
 * FLAMINGO_ORT_THREADS=N: ORT intra-op threads (default 1). The model is small: a decode step is
 * hundreds of tiny kernels, where a thread pool's hand-offs and spinning cost more than they save
 * (measured on 2 shared cores: 1 thread ≈ 2-3× faster per step than 2). One graph, run in order.
 */
function ortThreads(): { intraOpNumThreads: number; interOpNumThreads: number; executionMode: "sequential" } {
  const n = Number(process.env.FLAMINGO_ORT_THREADS);
  return { intraOpNumThreads: Number.isInteger(n) && n > 0 ? n : 1, interOpNumThreads: 1, executionMode: "sequential" };
}

function cudaAvailability(): ProviderAvailability {
  const missing = cudaLibraryMissing();
  return missing ? { ok: false, reason: missing } : { ok: true };
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // eslint-disable-next-line no-control-regex
  return msg.replace(/\u001b\[[0-9;]*m/g, "").split("\n")[0]?.slice(0, 300) ?? "";
}

/** Engine errors as AppErrors: a full queue is 429 with `retryAfter` (the Retry-After header), an abort stays an AbortError. */
export function asAppError(e: unknown): unknown {
  if (e instanceof QueueFullError) return new AppError("too_many_requests", e.message, { cause: e, retryAfter: e.retryAfterSeconds });
  return e;
}

export type { ModelPackage };
