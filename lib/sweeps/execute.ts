/**
 * THE sweep engine's inner loop: drive one engine over planned cells and judge each answer. Shared by
 * the background runner (lib/sweeps/runner.ts: cells stored in the database as they finish) and
 * `npm run eval` (scripts/eval.ts: cells kept in memory), so both plan, prompt, rank and judge alike.
 *
 * `capabilities().maxConcurrency` lanes take cells in plan order — cells that share their
 * demonstrations (one prefix) are adjacent, so concurrent requests reach a remote engine's prefix
 * cache together. The bundled engine (one lane) scores a group of cells in one batched call, its size
 * adapted to ~0.5 s, so interactive runs wait at most one such call in its FIFO queue. Calls that fail
 * with a 429, a 5xx or a timeout are retried with backoff (Retry-After honoured); after the last
 * attempt the cell is kept as failed with its reason. An engine that refuses outright (bad
 * credentials, unknown model: 401, 403, 404) ends the run with its words.
 */
import "server-only";
import type { Backend, RankMethod } from "@/lib/backends/contract";
import { withRetries } from "@/lib/backends/remote";
import type { BundledServerBackend } from "@/lib/backends/server";
import { isAppError } from "@/lib/errors";
import type { PromptSequence } from "@/lib/prompt/sequence";
import type { EngineStats } from "@/lib/runtime/engine";
import { QueueFullError } from "@/lib/runtime/queue";
import { judgeGenerate, judgeRank, type Judged } from "./curve";
import type { PlannedCell } from "./plan";
import type { SweepCellResult, SweepMode, SweepStats } from "./types";

const TARGET_CALL_MS = 500;
const MAX_BATCH = 64;
/** Tries of one remote call before its cell is kept as failed. */
const REMOTE_ATTEMPTS = 5;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nextTick = () => new Promise<void>((r) => setImmediate(r));

/** What the loop needs to know of a sweep: how to prompt a cell and what counts as right. */
export interface CellWork {
  mode: SweepMode;
  /** generate mode: most new tokens. */
  maxTokens: number;
  /** The cell's prompt, its query's expected answer and (rank mode) the candidates. */
  materialize(cell: PlannedCell): { prompt: PromptSequence; answer: string; candidates?: string[] };
  /** The demonstrations' item ids, in prompt order. */
  demoIds(cell: PlannedCell): string[];
}

/** A finished (or failed) cell, before it is stored. */
export type CellResult = Omit<SweepCellResult, "id">;

export interface EngineRunOptions {
  /** Counters added to as cells finish (model time, cache hits, tokens, retries, rank methods). */
  stats: SweepStats;
  signal?: AbortSignal;
  /** Whether to stop taking cells (a cancel seen by another lane). */
  stopped?(): boolean;
  /** Keep a batch of finished cells; false stops this engine (the sweep takes no more). */
  store(rows: CellResult[]): Promise<boolean>;
}

/** What an engine call gives back for one cell. */
interface CellOutcome {
  judged: Judged;
  ms: number;
  usage?: { promptTokens: number; completionTokens: number };
  method?: RankMethod;
}

/** Run `cells` (plan order) on one engine until done, stopped or aborted. */
export async function runEngineCells(work: CellWork, engineId: string, backend: Backend, cells: readonly PlannedCell[], opts: EngineRunOptions): Promise<void> {
  const { stats, signal } = opts;
  const bundled = isBundled(backend);
  const lanes = Math.max(1, Math.min(backend.capabilities().maxConcurrency, cells.length));
  const memo = new Map<string, Promise<CellOutcome>>();
  let next = 0;
  let batch = 8;
  let open = true;
  const lane = async () => {
    while (open && next < cells.length && !opts.stopped?.() && !signal?.aborted) {
      // One engine call: consecutive cells of the same group (selection, seed, shots) on the bundled
      // engine in rank mode, else one cell.
      const head = cells[next] as PlannedCell;
      let j = next + 1;
      const limit = bundled && work.mode === "rank" ? batch : 1;
      while (j < cells.length && j - next < limit && sameGroup(cells[j] as PlannedCell, head)) j++;
      const group = cells.slice(next, j);
      next = j;
      const before = bundled ? await backend.engineStats() : undefined;
      const tc = performance.now();
      const outcomes = await judgeCells(work, backend, group, memo, stats, signal);
      const ms = performance.now() - tc;
      if (before && bundled) addCacheStats(stats, before, await backend.engineStats());
      stats.modelMs += ms;
      const rows: CellResult[] = group.map((c, k) => {
        const o = outcomes[k] as CellOutcome | Error;
        const common = { engine: engineId, itemId: c.itemId, shots: c.shots, seed: c.seed, selection: c.selection, demoItemIds: work.demoIds(c) };
        if (o instanceof Error) return { ...common, output: "", correct: false, score: 0, ms: ms / group.length, error: o.message, promptTokens: null, completionTokens: null };
        if (o.usage) {
          stats.promptTokens += o.usage.promptTokens;
          stats.completionTokens += o.usage.completionTokens;
        }
        if (o.method) stats.rankMethods = { ...stats.rankMethods, [o.method]: (stats.rankMethods?.[o.method] ?? 0) + 1 };
        return { ...common, ...o.judged, ms: o.ms, error: null, promptTokens: o.usage?.promptTokens ?? null, completionTokens: o.usage?.completionTokens ?? null };
      });
      if (!(await opts.store(rows))) open = false;
      if (bundled) {
        if (ms < TARGET_CALL_MS / 2) batch = Math.min(MAX_BATCH, batch * 2);
        else if (ms > TARGET_CALL_MS * 2) batch = Math.max(1, Math.floor(batch / 2));
      }
      await nextTick();
    }
  };
  // A refusal in one lane stops the others taking cells; the call in flight in each is awaited, so
  // nothing of this engine still runs when the error reaches the caller.
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: lanes }, () =>
      lane().catch((e: unknown) => {
        failure ??= { error: e };
        open = false;
      }),
    ),
  );
  if (failure) throw failure.error;
}

const sameGroup = (a: PlannedCell, b: PlannedCell) => a.selection === b.selection && a.seed === b.seed && a.shots === b.shots;
const isBundled = (b: Backend): b is BundledServerBackend => b.kind === "bundled" && typeof (b as Partial<BundledServerBackend>).engineStats === "function";

/**
 * Judge a group of cells with one engine call (each cell's outcome, or the Error it failed with after
 * its retries). Cells whose prompt (and candidates) already ran on this engine — the 0-shot prompt
 * is the same for every seed and selection — reuse that answer.
 */
async function judgeCells(work: CellWork, backend: Backend, cells: readonly PlannedCell[], memo: Map<string, Promise<CellOutcome>>, stats: SweepStats, signal?: AbortSignal): Promise<(CellOutcome | Error)[]> {
  const items = cells.map((c) => {
    const m = work.materialize(c);
    return { ...m, key: JSON.stringify([m.prompt.parts, m.candidates ?? null, m.answer]) };
  });
  const todo = items.filter((w, k) => !memo.has(w.key) && items.findIndex((x) => x.key === w.key) === k);
  if (todo.length > 0) {
    const call: Promise<CellOutcome[]> =
      work.mode === "rank"
        ? retrying(backend, stats, signal, () => backend.scoreMany(todo.map((w) => w.prompt), todo.map((w) => w.candidates as string[]), signal ? { signal } : {})).then((outs) =>
            outs.map((o, k) => {
              const w = todo[k] as (typeof todo)[number];
              return { judged: judgeRank(w.candidates as string[], o.scores.map((s) => s.sum), w.answer), ms: o.latencyMs, method: o.method, ...(o.usage ? { usage: o.usage } : {}) };
            }),
          )
        : retrying(backend, stats, signal, () => backend.generate((todo[0] as (typeof todo)[number]).prompt, { maxTokens: work.maxTokens }, signal ? { signal } : {})).then((r) => [
            { judged: judgeGenerate(r.text, (todo[0] as (typeof todo)[number]).answer), ms: r.latencyMs, usage: { promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens } },
          ]);
    todo.forEach((w, k) => memo.set(w.key, call.then((outs) => outs[k] as CellOutcome)));
  }
  const settled = await Promise.allSettled(items.map((w) => memo.get(w.key) as Promise<CellOutcome>));
  const ran = new Set(todo);
  return settled.map((s, k) => {
    if (s.status === "fulfilled") {
      // A reused answer sent no request: its tokens were counted with the cell that ran it.
      if (ran.has(items[k] as (typeof items)[number])) return s.value;
      const { usage: _u, ...reused } = s.value;
      return reused;
    }
    const e: unknown = s.reason;
    // A failed call is not remembered: a retry of the sweep runs it again.
    memo.delete((items[k] as (typeof items)[number]).key);
    if (signal?.aborted) throw e;
    if (refusesTheRun(e)) throw e;
    return e instanceof Error ? e : new Error(String(e));
  });
}

/** Errors no retry and no other cell will get past: the run ends with the engine's words. */
function refusesTheRun(e: unknown): boolean {
  return isAppError(e) && (e.status === 401 || e.status === 403 || e.status === 404);
}

/**
 * A busy bundled engine (its queue full: a burst of interactive requests) is a reason to wait; a
 * remote engine's 429, 5xx and timeouts are retried with backoff, honouring Retry-After.
 */
function retrying<T>(backend: Backend, stats: SweepStats, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  if (backend.kind === "bundled") return retryBusy(call, signal);
  return withRetries(call, { attempts: REMOTE_ATTEMPTS, ...(signal ? { signal } : {}), onRetry: () => void stats.retries++ });
}

/** A full engine queue (a burst of interactive requests) is a reason to wait, not to fail. */
async function retryBusy<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const busy = e instanceof QueueFullError || (isAppError(e) && e.code === "too_many_requests");
      if (!busy || attempt >= 120) throw e;
      signal?.throwIfAborted();
      await sleep(500);
    }
  }
}

function addCacheStats(s: SweepStats, before: EngineStats, after: EngineStats): void {
  const dv = { hits: after.visualCache.hits - before.visualCache.hits, misses: after.visualCache.misses - before.visualCache.misses };
  const dp = { hits: after.prefixCache.hits - before.prefixCache.hits, misses: after.prefixCache.misses - before.prefixCache.misses };
  s.visualCacheHits += Math.max(0, dv.hits);
  s.visualCacheLookups += Math.max(0, dv.hits + dv.misses);
  s.prefixCacheHits += Math.max(0, dp.hits);
  s.prefixCacheLookups += Math.max(0, dp.hits + dp.misses);
}
