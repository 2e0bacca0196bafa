import { describeLoad, LOAD_STEPS } from "@/lib/backends/browser/load-progress";
import type { LoadProgress, ProviderReport } from "@/lib/backends/browser/ui-backends";
import type { BackendChoice } from "./options";

/**
 * The browser model's load, phase by phase (download with bytes of the runtime and the model,
 * compile, warm-up; "from the browser cache" when nothing came from the network), and the
 * WebGPU -> WASM fallback notice. `background`: a load started before Run was pressed.
 */
export function LoadStatus({ loading, progress, backend, provider, background = false }: { loading: boolean; progress?: LoadProgress; backend: BackendChoice; provider?: ProviderReport; background?: boolean }) {
  const { title, bytes } = describeLoad(progress);
  const phase = progress?.phase ?? "download";
  const at = LOAD_STEPS.findIndex((s) => s.phase === phase);
  return (
    <>
      {loading && backend !== "server" ? (
        <div className="flex flex-col gap-1 text-xs text-stone-600" data-testid="model-load" data-phase={phase} data-from-cache={progress?.fromCache ? "true" : "false"} data-background={background ? "true" : "false"}>
          <ol className="flex gap-3" aria-label="Model load steps">
            {LOAD_STEPS.map((s, i) => (
              <li key={s.phase} className={i === at ? "font-semibold text-stone-900" : i < at ? "text-emerald-700" : "text-stone-400"} aria-current={i === at ? "step" : undefined} data-testid={`model-load-step-${s.phase}`}>
                {i < at ? "✓ " : ""}
                {s.label}
              </li>
            ))}
            {progress?.fromCache ? (
              <li className="text-emerald-700" data-testid="model-load-cached">
                from the browser cache
              </li>
            ) : null}
          </ol>
          <div className="flex justify-between gap-2">
            <span data-testid="model-load-title">{background ? `Getting the browser model ready: ${title.charAt(0).toLowerCase()}${title.slice(1)}` : title}</span>
            {bytes ? <span className="tabular-nums" data-testid="model-load-bytes">{bytes}</span> : null}
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
