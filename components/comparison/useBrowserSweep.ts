"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { browserCacheStats, generate, loadBrowserModel, score, tfjsEngineBackend, type LoadProgress, type ProviderReport } from "@/lib/backends/browser/ui-backends";
import { backendSweepCalls } from "@/lib/backends/transformersjs/sweep";
import { DEFAULT_MODEL_ID } from "@/lib/models/defaults";
import { runBrowserSweep, type BrowserSweepDeps } from "@/lib/sweeps/client/browser-sweep";
import type { SweepDetail } from "@/lib/sweeps/types";
import { getPlan, postResults } from "./api";

export type BrowserProvider = "webgpu" | "wasm";
export type BrowserPhase = "idle" | "loading" | "running" | "paused" | "finished" | "error";

export interface BrowserSweepState {
  phase: BrowserPhase;
  provider?: ProviderReport;
  progress?: LoadProgress;
  /** Cells this tab has run since it started (posted or about to be). */
  cellsRun: number;
  startedAt?: number;
  error?: unknown;
}

const isAbort = (e: unknown) => e instanceof Error && e.name === "AbortError";

/**
 * Runs a browser-backend sweep's remaining cells in this tab's inference worker (WebGPU, else
 * WASM with the reason shown) — or, when the sweep names a transformers.js engine, in the tab's
 * transformers.js worker — and posts them to the server; starts by itself when `autoStart`.
 */
export function useBrowserSweep(sweep: SweepDetail, onSweep: (s: SweepDetail) => void, autoStart: boolean) {
  const [state, setState] = useState<BrowserSweepState>({ phase: "idle", cellsRun: 0 });
  const [pref, setPref] = useState<BrowserProvider>("webgpu");
  const abortRef = useRef<AbortController | null>(null);
  const started = useRef(false);
  const onSweepRef = useRef(onSweep);
  useEffect(() => {
    onSweepRef.current = onSweep;
  }, [onSweep]);
  const id = sweep.id;
  // The engine the sweep names: the bundled model (the inference worker), or a transformers.js engine (its own worker).
  const engine = sweep.config.engines[0] ?? "";

  const start = useCallback(
    async (provider: BrowserProvider) => {
      abortRef.current?.abort();
      const ac = new AbortController();
      abortRef.current = ac;
      const live = () => abortRef.current === ac;
      const patch = (p: Partial<BrowserSweepState>) => live() && setState((s) => ({ ...s, ...p }));
      setState((s) => ({ ...s, phase: "loading", error: undefined, startedAt: Date.now() }));
      try {
        const transport: Pick<BrowserSweepDeps, "fetchPlan" | "post" | "now"> = {
          fetchPlan: (limit, signal) => getPlan(id, limit, signal),
          post: (body) => postResults(id, body),
          now: () => performance.now(),
        };
        let deps: BrowserSweepDeps;
        if (engine !== "" && engine !== DEFAULT_MODEL_ID) {
          const backend = await tfjsEngineBackend(engine, { signal: ac.signal, onProgress: (progress) => patch({ progress }) });
          const info = await backend.load();
          if (ac.signal.aborted) return patch({ phase: "paused" });
          patch({ phase: "running", provider: { executionProvider: info.executionProvider, ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}) } });
          deps = { ...transport, ...backendSweepCalls(backend) };
        } else {
          const info = await loadBrowserModel(provider, (progress) => patch({ progress }));
          if (ac.signal.aborted) return patch({ phase: "paused" });
          patch({ phase: "running", provider: { executionProvider: info.executionProvider, ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}) } });
          deps = {
            ...transport,
            score: async (prompt, candidates, signal) => {
              const r = await score(provider, prompt, candidates, { signal });
              const byCandidate = new Map(r.scores.map((s) => [s.candidate, s.sum]));
              return candidates.map((c) => {
                const sum = byCandidate.get(c);
                if (sum === undefined) throw new Error(`The worker returned no score for the candidate “${c}”`);
                return sum;
              });
            },
            generate: async (prompt, maxTokens, signal) => (await generate(provider, prompt, { maxTokens }, { signal, onToken: () => undefined })).text,
            cacheCounters: async () => {
              const c = await browserCacheStats();
              return c
                ? {
                    visualCacheHits: c.visualCache.hits,
                    visualCacheLookups: c.visualCache.hits + c.visualCache.misses,
                    prefixCacheHits: c.prefixCache.hits,
                    prefixCacheLookups: c.prefixCache.hits + c.prefixCache.misses,
                  }
                : undefined;
            },
          };
        }
        const outcome = await runBrowserSweep(deps, {
          signal: ac.signal,
          onSweep: (s) => live() && onSweepRef.current(s),
          onCell: () => live() && setState((s) => ({ ...s, cellsRun: s.cellsRun + 1 })),
        });
        patch({ phase: outcome.reason === "finished" ? "finished" : "paused" });
      } catch (error) {
        if (!live()) return;
        patch(ac.signal.aborted || isAbort(error) ? { phase: "paused" } : { phase: "error", error });
      }
    },
    [id, engine],
  );

  const pause = useCallback(() => {
    abortRef.current?.abort();
    setState((s) => ({ ...s, phase: s.phase === "loading" || s.phase === "running" ? "paused" : s.phase }));
  }, []);

  const active = sweep.status === "queued" || sweep.status === "running";
  useEffect(() => {
    // Once per page: a returning visitor resumes where the server's record stops.
    if (autoStart && active && !started.current) {
      started.current = true;
      void start("webgpu");
    }
  }, [autoStart, active, start]);

  // Stop the loop when the sweep is cancelled (or fails) elsewhere, and when the page goes away.
  const stopped = sweep.status === "cancelled" || sweep.status === "failed";
  useEffect(() => {
    if (stopped) abortRef.current?.abort();
  }, [stopped]);
  useEffect(
    () => () => {
      abortRef.current?.abort();
      // A remount (React's development double mount, or coming back) may auto-start again.
      started.current = false;
    },
    [],
  );

  return { state, pref, setPref, start: () => void start(pref), pause };
}
