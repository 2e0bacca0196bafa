import type { LoadProgress, ProviderReport } from "@/lib/backends/browser/ui-backends";
import { formatBytes, type BackendChoice } from "./options";

/** Model load progress (bytes) while the browser backend loads, and the WebGPU -> WASM fallback notice. */
export function LoadStatus({ loading, progress, backend, provider }: { loading: boolean; progress?: LoadProgress; backend: BackendChoice; provider?: ProviderReport }) {
  return (
    <>
      {loading && backend !== "server" ? (
        <div className="flex flex-col gap-1 text-xs text-stone-600" data-testid="model-load">
          <div className="flex justify-between gap-2">
            <span>{progress?.fromCache ? "Loading the model from the browser cache…" : "Downloading the model (once; later loads come from the cache)…"}</span>
            {progress ? (
              <span className="tabular-nums">
                {formatBytes(progress.loadedBytes)} / {formatBytes(progress.totalBytes)}
              </span>
            ) : null}
          </div>
          <progress
            className="h-2 w-full overflow-hidden rounded accent-brand-600"
            max={progress?.totalBytes || 1}
            value={progress?.loadedBytes ?? 0}
            aria-label="Model download"
            data-testid="model-load-progress"
            data-from-cache={progress?.fromCache ? "true" : "false"}
          />
        </div>
      ) : null}
      {backend === "webgpu" && provider && provider.executionProvider !== "webgpu" ? (
        <p role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900" data-testid="webgpu-fallback">
          WebGPU was not used; this ran on WASM instead. {provider.fallbackReason ? `Reason: ${provider.fallbackReason}.` : null}
        </p>
      ) : null}
    </>
  );
}
