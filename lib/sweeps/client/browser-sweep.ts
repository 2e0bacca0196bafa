/**
 * The browser backend's sweep loop: fetch the server's plan of unfinished cells, run each in the
 * inference worker, post finished cells back in small batches. The server's record is the only
 * state: a closed tab loses at most the unposted batch, and the next visit resumes from the plan.
 * Transport and model calls are injected, so the loop runs unchanged in tests.
 */
import type { SweepCellPost, SweepDetail, SweepPlan, SweepPlanCell, SweepResultsPost, SweepStats } from "../types";

export type CacheCounters = Pick<SweepStats, "visualCacheHits" | "visualCacheLookups" | "prefixCacheHits" | "prefixCacheLookups">;

export interface BrowserSweepDeps {
  fetchPlan(limit: number, signal: AbortSignal): Promise<SweepPlan>;
  post(body: SweepResultsPost): Promise<{ sweep: SweepDetail }>;
  /** Summed log-likelihood of each candidate after the prompt, in the candidates' order. */
  score(prompt: SweepPlanCell["prompt"], candidates: string[], signal: AbortSignal): Promise<number[]>;
  /** Greedy text up to `maxTokens` or `<|endofchunk|>`. */
  generate(prompt: SweepPlanCell["prompt"], maxTokens: number, signal: AbortSignal): Promise<string>;
  /** The worker's cumulative cache counters, when it can tell. */
  cacheCounters?(): Promise<CacheCounters | undefined>;
  now(): number;
}

export interface BrowserSweepOptions {
  signal: AbortSignal;
  /** Cells per plan request. */
  planSize?: number;
  /** Post when this many cells are waiting … */
  batchSize?: number;
  /** … or when the oldest has waited this long (ms). */
  flushMs?: number;
  onSweep?(sweep: SweepDetail): void;
  onCell?(cell: SweepCellPost): void;
}

export interface BrowserSweepOutcome {
  /** Cells run and posted by this loop. */
  posted: number;
  /** Why it stopped: every cell is stored, or the signal aborted it. */
  reason: "finished" | "aborted";
}

const aborted = (signal: AbortSignal) => signal.aborted;

/** Counter deltas since `prev` (a fresh worker's counters restart at 0: then the whole value counts). */
export function counterDelta(prev: CacheCounters | undefined, next: CacheCounters): CacheCounters {
  const d = (k: keyof CacheCounters) => {
    const p = prev?.[k] ?? 0;
    return next[k] >= p ? next[k] - p : next[k];
  };
  return { visualCacheHits: d("visualCacheHits"), visualCacheLookups: d("visualCacheLookups"), prefixCacheHits: d("prefixCacheHits"), prefixCacheLookups: d("prefixCacheLookups") };
}

/** Run one plan cell in the worker; the post carries what the server needs to score it. */
export async function runCell(deps: BrowserSweepDeps, plan: Pick<SweepPlan, "mode" | "maxTokens">, cell: SweepPlanCell, signal: AbortSignal): Promise<SweepCellPost> {
  const t0 = deps.now();
  const key = { itemId: cell.itemId, shots: cell.shots, seed: cell.seed, selection: cell.selection };
  if (plan.mode === "rank") {
    if (!cell.candidates || cell.candidates.length === 0) throw new Error(`The plan gave no candidates for a rank-mode cell (item ${cell.itemId})`);
    const scores = await deps.score(cell.prompt, cell.candidates, signal);
    return { ...key, scores, ms: deps.now() - t0 };
  }
  const output = await deps.generate(cell.prompt, plan.maxTokens, signal);
  return { ...key, output, ms: deps.now() - t0 };
}

/** Run every unfinished cell of the sweep, posting as it goes, until none is left or `signal` aborts. */
export async function runBrowserSweep(deps: BrowserSweepDeps, opts: BrowserSweepOptions): Promise<BrowserSweepOutcome> {
  const { signal, planSize = 24, batchSize = 4, flushMs = 1500 } = opts;
  let pending: SweepCellPost[] = [];
  let pendingSince = 0;
  let modelMs = 0;
  let counters = await deps.cacheCounters?.();
  let posted = 0;

  const flush = async () => {
    if (pending.length === 0) return;
    const cells = pending;
    pending = [];
    const stats: SweepResultsPost["stats"] = { modelMs };
    const now = await deps.cacheCounters?.();
    if (now) {
      Object.assign(stats, counterDelta(counters, now));
      counters = now;
    }
    modelMs = 0;
    const r = await deps.post({ cells, stats });
    posted += cells.length;
    opts.onSweep?.(r.sweep);
  };

  try {
    for (;;) {
      if (aborted(signal)) break;
      const plan = await deps.fetchPlan(planSize, signal);
      if (plan.cells.length === 0) {
        await flush();
        return { posted, reason: "finished" };
      }
      for (const cell of plan.cells) {
        if (aborted(signal)) break;
        const done = await runCell(deps, plan, cell, signal);
        modelMs += done.ms;
        opts.onCell?.(done);
        if (pending.length === 0) pendingSince = deps.now();
        pending.push(done);
        if (pending.length >= batchSize || deps.now() - pendingSince >= flushMs) await flush();
      }
      // Everything of this plan page is posted before the next page is asked for, so the plan never repeats a cell.
      await flush();
    }
  } catch (e) {
    // Keep what finished before the failure (or the cancel) — unless the post itself is what failed.
    if (pending.length > 0) await flush().catch(() => undefined);
    if (aborted(signal)) return { posted, reason: "aborted" };
    throw e;
  }
  await flush();
  return { posted, reason: "aborted" };
}
