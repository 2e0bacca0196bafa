"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { PromptSequence } from "@/lib/prompt/sequence";
import type { TokenEvent } from "@/lib/runtime/engine";
import type { Exchange, RankMethod, Usage } from "@/lib/backends/contract";
import { generate, onBrowserProviderChange, score, type LoadProgress, type ProviderReport, type RunResult } from "@/lib/backends/browser/ui-backends";
import { normalizeTarget, scoreRows, toGenerateParams, type BackendChoice, type RunSettings, type RunTarget, type ScoreRow } from "./options";

export type Phase = "idle" | "loading" | "running" | "done" | "cancelled" | "error";

export interface GenerateState {
  kind: "generate";
  phase: Phase;
  backend: BackendChoice;
  /** The registry engine it ran on (server only; absent: the bundled model). */
  engine?: string;
  /** A remote engine: no trace, no token ids. */
  remote?: boolean;
  tokens: TokenEvent[];
  result?: RunResult;
  /** From pressing Run to the first streamed token (model load excluded). */
  ttftMs?: number;
  /** Model load in the browser (download or cache read + sessions). */
  loadMs?: number;
  progress?: LoadProgress;
  provider?: ProviderReport;
  error?: unknown;
}

export interface RankState {
  kind: "rank";
  phase: Phase;
  backend: BackendChoice;
  engine?: string;
  remote?: boolean;
  rows: ScoreRow[];
  /** How the candidates were ranked, and why not better (absent: exact). */
  method?: RankMethod;
  approximate?: boolean;
  note?: string;
  /** The model the engine named, its token counts and wall time (server runs). */
  model?: string;
  usage?: Usage;
  latencyMs?: number;
  /** Remote engines: what went over the wire. */
  exchange?: Exchange;
  elapsedMs?: number;
  progress?: LoadProgress;
  provider?: ProviderReport;
  error?: unknown;
}

export type RunState = GenerateState | RankState;

const isAbort = (e: unknown, signal: AbortSignal) => signal.aborted || (e instanceof Error && e.name === "AbortError");

/** One run at a time (generate or rank), with cancel; never throws into React. */
export function useRunner() {
  const [state, setState] = useState<RunState | null>(null);
  const abortRef = useRef<AbortController | null>(null);

  useEffect(() => {
    const off = onBrowserProviderChange((info) =>
      setState((s) =>
        s && s.backend !== "server"
          ? { ...s, provider: { executionProvider: info.executionProvider, ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}) } }
          : s,
      ),
    );
    return () => {
      off();
      abortRef.current?.abort();
    };
  }, []);

  const begin = (): AbortController => {
    abortRef.current?.abort();
    const ac = new AbortController();
    abortRef.current = ac;
    return ac;
  };

  /**
   * Resolves when the run ends, with its final state (null when a newer run replaced it).
   * `remote`: the target is a remote engine (no trace, beams or seed are sent).
   */
  const runGenerate = useCallback(async (to: BackendChoice | RunTarget, prompt: PromptSequence, settings: RunSettings, remote = false): Promise<GenerateState | null> => {
    const target = normalizeTarget(to);
    const { backend } = target;
    const where = { backend, ...(target.engine ? { engine: target.engine } : {}), ...(remote ? { remote } : {}) };
    const ac = begin();
    const live = () => abortRef.current === ac;
    const patch = (p: Partial<GenerateState>) => live() && setState((s) => (s?.kind === "generate" ? { ...s, ...p } : s));
    setState({ kind: "generate", phase: backend === "server" ? "running" : "loading", ...where, tokens: [] });
    const loadStart = performance.now();
    let started = backend === "server" ? loadStart : 0;
    let first = true;
    // The same facts the state gets, kept here too so the caller receives the final state.
    const tokens: TokenEvent[] = [];
    let final: Omit<GenerateState, "phase"> = { kind: "generate", ...where, tokens };
    try {
      const result = await generate(target, prompt, toGenerateParams(settings, remote), {
        signal: ac.signal,
        onProgress: (progress) => patch({ progress }),
        onProvider: (provider) => {
          if (backend !== "server") {
            started = performance.now();
            final = { ...final, provider, loadMs: started - loadStart };
            patch({ provider, phase: "running", loadMs: started - loadStart });
          } else {
            final = { ...final, provider };
            patch({ provider });
          }
        },
        onToken: (event) => {
          if (!live()) return;
          const ttft = first ? performance.now() - started : undefined;
          first = false;
          tokens.push(event);
          if (ttft !== undefined) final = { ...final, ttftMs: ttft };
          setState((s) => (s?.kind === "generate" ? { ...s, tokens: [...s.tokens, event], ...(ttft !== undefined ? { ttftMs: ttft } : {}) } : s));
        },
      });
      patch({ phase: "done", result });
      return live() ? { ...final, tokens: [...tokens], phase: "done", result } : null;
    } catch (error) {
      if (!live()) return null;
      const p: Partial<GenerateState> = isAbort(error, ac.signal) ? { phase: "cancelled" } : { phase: "error", error };
      patch(p);
      return { ...final, tokens: [...tokens], phase: "error", ...p };
    }
  }, []);

  const runRank = useCallback(async (to: BackendChoice | RunTarget, prompt: PromptSequence, candidates: string[], remote = false): Promise<RankState | null> => {
    const target = normalizeTarget(to);
    const { backend } = target;
    const where = { backend, ...(target.engine ? { engine: target.engine } : {}), ...(remote ? { remote } : {}) };
    const ac = begin();
    const live = () => abortRef.current === ac;
    const patch = (p: Partial<RankState>) => live() && setState((s) => (s?.kind === "rank" ? { ...s, ...p } : s));
    setState({ kind: "rank", phase: backend === "server" ? "running" : "loading", ...where, rows: [] });
    const t0 = performance.now();
    try {
      const r = await score(target, prompt, candidates, { signal: ac.signal, onProgress: (progress) => patch({ progress }) });
      const done: RankState = {
        kind: "rank",
        ...where,
        phase: "done",
        rows: scoreRows(r.scores),
        elapsedMs: performance.now() - t0,
        provider: { executionProvider: r.executionProvider, ...(r.fallbackReason ? { fallbackReason: r.fallbackReason } : {}) },
        method: r.method,
        approximate: r.approximate,
        ...(r.note ? { note: r.note } : {}),
        ...(r.model ? { model: r.model } : {}),
        ...(r.usage ? { usage: r.usage } : {}),
        ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
        ...(r.exchange ? { exchange: r.exchange } : {}),
      };
      patch(done);
      return live() ? done : null;
    } catch (error) {
      if (!live()) return null;
      const p: Partial<RankState> = isAbort(error, ac.signal) ? { phase: "cancelled" } : { phase: "error", error };
      patch(p);
      return { kind: "rank", ...where, rows: [], phase: "error", ...p };
    }
  }, []);

  const cancel = useCallback(() => abortRef.current?.abort(), []);
  const busy = state?.phase === "loading" || state?.phase === "running";
  return { state, busy, runGenerate, runRank, cancel };
}
