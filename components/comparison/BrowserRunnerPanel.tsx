"use client";

import { LoadStatus } from "@/components/run/LoadStatus";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { SweepDetail } from "@/lib/sweeps/types";
import { useBrowserSweep, type BrowserPhase, type BrowserProvider } from "./useBrowserSweep";

const PHASE_TEXT: Record<BrowserPhase, string> = {
  idle: "Not running in this tab.",
  loading: "Loading the model in this tab…",
  running: "Running cells in this tab…",
  paused: "Paused. Finished cells are saved; Resume continues from the server's record.",
  finished: "Every cell is done.",
  error: "Stopped by an error.",
};

const PROVIDERS: { value: BrowserProvider; label: string }[] = [
  { value: "webgpu", label: "WebGPU (else WASM)" },
  { value: "wasm", label: "WASM" },
];

/**
 * A browser-backend sweep runs in the open tab: this panel starts it (by itself on arrival),
 * pauses it, and says which provider runs and how the model load goes.
 */
export function BrowserRunnerPanel({ sweep, onSweep }: { sweep: SweepDetail; onSweep(s: SweepDetail): void }) {
  const active = sweep.status === "queued" || sweep.status === "running";
  const { state, pref, setPref, start, pause } = useBrowserSweep(sweep, onSweep, true);
  const busy = state.phase === "loading" || state.phase === "running";
  if (!active && !busy && state.phase !== "error") return null;
  const provider = state.provider?.executionProvider;
  return (
    <section className="flex flex-col gap-2 rounded-md border border-sky-200 bg-sky-50/60 px-3 py-2 text-xs" aria-label="Running in this browser" data-testid="browser-runner" data-phase={state.phase}>
      <div className="flex flex-wrap items-center gap-2">
        <p className="min-w-0 flex-1 text-sky-950" role="status" aria-live="polite">
          <strong className="font-semibold">Browser backend.</strong> {PHASE_TEXT[state.phase]}
          {provider ? ` On ${provider === "webgpu" ? "WebGPU" : "WASM"}.` : ""}
          {state.cellsRun > 0 ? ` ${state.cellsRun} ${state.cellsRun === 1 ? "cell" : "cells"} run here.` : ""} Keep this tab open; closing it pauses the sweep.
        </p>
        <label className="flex items-center gap-1">
          <span className="sr-only">Provider</span>
          <select className="input w-auto py-0.5 text-xs" value={pref} onChange={(e) => setPref(e.target.value as BrowserProvider)} disabled={busy} data-testid="browser-provider">
            {PROVIDERS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        {busy ? (
          <button type="button" className="btn px-2 py-1 text-xs" onClick={pause} data-testid="browser-pause">
            Pause
          </button>
        ) : (
          <button type="button" className="btn btn-primary px-2 py-1 text-xs" onClick={start} disabled={!active} data-testid="browser-resume">
            {state.phase === "idle" ? "Run here" : "Resume"}
          </button>
        )}
      </div>
      <LoadStatus loading={state.phase === "loading"} progress={state.progress} backend={pref} provider={state.provider} />
      {state.phase === "error" ? <ErrorNotice error={state.error} title="The browser run stopped" /> : null}
    </section>
  );
}
