/**
 * The background job runner of server-backend sweeps, one per server process (a globalThis
 * singleton, so route handlers and instrumentation share it).
 *
 * It claims one sweep at a time (queued, or running under a runner that died: a stale heartbeat, or
 * a dead process on this host — so a restart after kill -9 resumes at once), plans every cell, skips
 * the ones already stored and runs the rest in cache-friendly order (plan.ts). Each engine call is
 * short (runSweep says how each engine is driven). Every batch is stored as soon as it returns
 * (insert-if-absent on the cell's unique key, refused once the sweep is cancelled), then doneCells,
 * stats and the heartbeat are recorded; a cancel or delete stops the run at the next batch.
 */
import "server-only";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Backend } from "@/lib/backends/contract";
import { withRetries } from "@/lib/backends/remote";
import type { BundledServerBackend } from "@/lib/backends/server";
import { backendFor } from "@/lib/engines";
import { isAppError } from "@/lib/errors";
import type { EngineStats } from "@/lib/runtime/engine";
import { QueueFullError } from "@/lib/runtime/queue";
import { failSweep, insertSweepResults, listActiveSweeps, recordSweepProgress, resultKey, storedCellKeys, touchSweep, claimSweep, type ResultInput, type SweepOwner, type SweepRecord, type StoredSweepStats } from "@/lib/store/sweeps";
import { loadSweepContext, materialize, sweepPlan, type SweepContext } from "./context";
import { judgeGenerate, judgeRank, type Judged } from "./curve";
import type { PlannedCell } from "./plan";
import type { SweepStatus } from "./types";

/** A running sweep whose heartbeat is older than this is taken over (SWEEP_STALE_MS, default 30 s). */
const staleMs = () => Number(process.env.SWEEP_STALE_MS) || 30_000;
const HEARTBEAT_MS = 5_000;
const TARGET_CALL_MS = 500;
const MAX_BATCH = 64;
/** Tries of one remote call before its cell is stored as failed. */
const REMOTE_ATTEMPTS = 5;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nextTick = () => new Promise<void>((r) => setImmediate(r));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class SweepRunner {
  readonly owner: SweepOwner = { id: randomUUID(), host: hostname(), pid: process.pid };
  private started = false;
  private poll: ReturnType<typeof setInterval> | undefined;
  private draining: Promise<void> | null = null;
  private lookAgain = false;
  private current: { id: string; abort: AbortController } | null = null;

  /** Start polling (at server start): resumes abandoned sweeps and picks up new ones. */
  start(pollMs = 2_000): void {
    if (this.started) return;
    this.started = true;
    this.poll = setInterval(() => this.kick(), pollMs);
    this.poll.unref();
    this.kick();
  }

  stop(): void {
    this.started = false;
    if (this.poll) clearInterval(this.poll);
    this.current?.abort.abort();
  }

  /** Look for work now (after a sweep was created); only once started. */
  kick(): void {
    if (this.started) void this.drain().catch((e: unknown) => console.error("[sweeps] runner:", e));
  }

  /** Stop the sweep being run here, if it is `id` (cancel, delete). */
  abort(id: string): void {
    if (this.current?.id === id) this.current.abort.abort();
  }

  /**
   * Run claimable sweeps one after another until none is left (tests call this directly). A call
   * while draining makes the loop look once more, so a sweep created just after its last look is
   * not left for the next poll.
   */
  drain(): Promise<void> {
    if (this.draining) {
      this.lookAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.lookAgain = false;
          for (let rec = await this.claimNext(); rec; rec = await this.claimNext()) await this.run(rec.detail.id);
        } while (this.lookAgain);
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  /** Whether a running sweep's runner is gone. */
  abandoned(rec: SweepRecord, now = Date.now()): boolean {
    const o = rec.stats.owner;
    if (!rec.heartbeatAt || now - rec.heartbeatAt.getTime() > staleMs()) return true;
    if (!o) return false;
    if (o.id === this.owner.id) return this.current?.id !== rec.detail.id;
    if (o.host !== this.owner.host) return false;
    return o.pid === process.pid || !pidAlive(o.pid);
  }

  private async claimNext(): Promise<SweepRecord | null> {
    for (const rec of await listActiveSweeps()) {
      if (rec.config.backend !== "server") continue;
      if (rec.detail.status === "running" && !this.abandoned(rec)) continue;
      if (await claimSweep(rec, this.owner)) {
        if (rec.detail.status === "running") console.info(`[sweeps] resuming sweep ${rec.detail.id} at ${rec.detail.doneCells}/${rec.detail.totalCells} cells`);
        return rec;
      }
    }
    return null;
  }

  private async run(id: string): Promise<void> {
    const abort = new AbortController();
    this.current = { id, abort };
    const beat = setInterval(() => void touchSweep(id).catch(() => undefined), HEARTBEAT_MS);
    beat.unref();
    try {
      await runSweep(id, { signal: abort.signal, owner: this.owner });
    } catch (e) {
      if (abort.signal.aborted) return;
      console.error(`[sweeps] sweep ${id} failed:`, e);
      await failSweep(id, isAppError(e) ? e.message : e instanceof Error ? `The sweep failed: ${e.message}` : "The sweep failed").catch(() => undefined);
    } finally {
      clearInterval(beat);
      this.current = null;
    }
  }
}

const holder = globalThis as typeof globalThis & { __flamingoSweepRunner?: SweepRunner };

/** The process-wide runner. */
export function sweepRunner(): SweepRunner {
  holder.__flamingoSweepRunner ??= new SweepRunner();
  return holder.__flamingoSweepRunner;
}

/** Start the runner unless this is a build (instrumentation may load while pages are prerendered). */
export function startSweepRunner(): void {
  if (process.env.NEXT_PHASE === "phase-production-build" || process.env.SWEEP_RUNNER === "off") return;
  sweepRunner().start();
}

export interface RunSweepOptions {
  signal?: AbortSignal;
  owner?: SweepOwner;
  /** Backends by engine id, instead of the registry's (benchmarks). */
  backends?: ReadonlyMap<string, Backend>;
}

/**
 * Run a claimed sweep's remaining cells to the end (or until cancelled, deleted or aborted), on each
 * of its engines at once. Returns the final status.
 *
 * Per engine, `capabilities().maxConcurrency` lanes take cells in plan order — cells that share
 * their demonstrations (one prefix) are adjacent, so concurrent requests hit a remote engine's
 * prefix cache together. The bundled engine (one lane) scores a group of cells in one batched call,
 * its size adapted to ~0.5 s, so interactive runs wait at most one such call in its FIFO queue.
 * Calls that fail with a 429, a 5xx or a timeout are retried with backoff; after the last attempt
 * the cell is stored as failed with its reason ("Retry failed cells" runs it again). An engine that
 * refuses the sweep outright (bad credentials, unknown model) fails the sweep with its words.
 */
export async function runSweep(id: string, opts: RunSweepOptions = {}): Promise<string | null> {
  const ctx = await loadSweepContext(id);
  const cfg = ctx.record.config;
  const t0 = performance.now();
  const base = ctx.record.stats;
  const stats: StoredSweepStats = { ...base, ...(opts.owner ? { owner: opts.owner } : {}) };
  const done = await storedCellKeys(id);
  // RICES features come from the bundled model's vision encoder, whatever the engines: model work, counted.
  const tp = performance.now();
  const plan = await sweepPlan(ctx, undefined, opts.signal);
  if (cfg.selections.includes("rices")) stats.modelMs += performance.now() - tp;
  const progress = new ProgressWriter(id, stats, () => base.wallMs + (performance.now() - t0));
  if ((await progress.write()) !== "running") return progress.status;
  const backends = await Promise.all(cfg.engines.map(async (engineId) => ({ engineId, backend: opts.backends?.get(engineId) ?? (await backendFor(engineId || cfg.model)) })));
  await Promise.all(
    backends.map(({ engineId, backend }) => {
      const todo = plan.filter((c) => !done.has(resultKey({ engine: engineId, ...c })));
      return runEngine(ctx, engineId, backend, todo, progress, opts.signal);
    }),
  );
  return progress.write();
}

/** Records progress one write at a time (lanes of several engines report at once); remembers the status it read back. */
class ProgressWriter {
  status: SweepStatus | null = "running";
  private writing: Promise<SweepStatus | null> | null = null;
  private again = false;

  constructor(
    private readonly id: string,
    readonly stats: StoredSweepStats,
    private readonly wallMs: () => number,
  ) {}

  get stopped(): boolean {
    return this.status !== "running";
  }

  /** Write now, or once more after the write in flight; resolves with the status read back. */
  write(): Promise<SweepStatus | null> {
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    this.writing = (async () => {
      try {
        do {
          this.again = false;
          this.stats.wallMs = this.wallMs();
          this.status = await recordSweepProgress(this.id, this.stats);
        } while (this.again && !this.stopped);
        return this.status;
      } finally {
        this.writing = null;
      }
    })();
    return this.writing;
  }
}

/** What an engine call gives back for one cell. */
interface CellOutcome {
  judged: Judged;
  ms: number;
  usage?: { promptTokens: number; completionTokens: number };
}

async function runEngine(ctx: SweepContext, engineId: string, backend: Backend, cells: readonly PlannedCell[], progress: ProgressWriter, signal?: AbortSignal): Promise<void> {
  const bundled = isBundled(backend);
  const lanes = Math.max(1, Math.min(backend.capabilities().maxConcurrency, cells.length));
  const memo = new Map<string, Promise<CellOutcome>>();
  let next = 0;
  let batch = 8;
  const lane = async () => {
    while (next < cells.length && !progress.stopped && !signal?.aborted) {
      // One engine call: consecutive cells of the same group (selection, seed, shots) on the bundled
      // engine in rank mode, else one cell.
      const head = cells[next] as PlannedCell;
      let j = next + 1;
      const limit = bundled && ctx.record.config.mode === "rank" ? batch : 1;
      while (j < cells.length && j - next < limit && sameGroup(cells[j] as PlannedCell, head)) j++;
      const group = cells.slice(next, j);
      next = j;
      const before = bundled ? await backend.engineStats() : undefined;
      const tc = performance.now();
      const outcomes = await judgeCells(ctx, backend, group, memo, progress.stats, signal);
      const ms = performance.now() - tc;
      if (before && bundled) addCacheStats(progress.stats, before, await backend.engineStats());
      progress.stats.modelMs += ms;
      const rows: ResultInput[] = group.map((c, k) => {
        const o = outcomes[k] as CellOutcome | Error;
        const common = { engine: engineId, itemId: c.itemId, shots: c.shots, seed: c.seed, selection: c.selection, demoItemIds: c.demos.map((d) => (ctx.pool[d] as { id: string }).id) };
        if (o instanceof Error) return { ...common, output: "", correct: false, score: 0, ms: ms / group.length, error: o.message, promptTokens: null, completionTokens: null };
        if (o.usage) {
          progress.stats.promptTokens += o.usage.promptTokens;
          progress.stats.completionTokens += o.usage.completionTokens;
        }
        return { ...common, ...o.judged, ms: o.ms, error: null, promptTokens: o.usage?.promptTokens ?? null, completionTokens: o.usage?.completionTokens ?? null };
      });
      const stored = await insertSweepResults(ctx.record.detail.id, rows);
      await progress.write();
      if (!stored.open) return;
      if (bundled) {
        if (ms < TARGET_CALL_MS / 2) batch = Math.min(MAX_BATCH, batch * 2);
        else if (ms > TARGET_CALL_MS * 2) batch = Math.max(1, Math.floor(batch / 2));
      }
      await nextTick();
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

const sameGroup = (a: PlannedCell, b: PlannedCell) => a.selection === b.selection && a.seed === b.seed && a.shots === b.shots;
const isBundled = (b: Backend): b is BundledServerBackend => b.kind === "bundled" && typeof (b as Partial<BundledServerBackend>).engineStats === "function";

/**
 * Judge a group of cells with one engine call (each cell's outcome, or the Error it failed with after
 * its retries). Cells whose prompt (and candidates) already ran on this engine in this sweep — the
 * 0-shot prompt is the same for every seed and selection — reuse that answer.
 */
async function judgeCells(ctx: SweepContext, backend: Backend, cells: readonly PlannedCell[], memo: Map<string, Promise<CellOutcome>>, stats: StoredSweepStats, signal?: AbortSignal): Promise<(CellOutcome | Error)[]> {
  const cfg = ctx.record.config;
  const work = cells.map((c) => {
    const m = materialize(ctx, c);
    return { ...m, key: JSON.stringify([m.prompt.parts, m.candidates ?? null, m.query.answer]) };
  });
  const todo = work.filter((w, k) => !memo.has(w.key) && work.findIndex((x) => x.key === w.key) === k);
  if (todo.length > 0) {
    const call: Promise<CellOutcome[]> =
      cfg.mode === "rank"
        ? retrying(backend, stats, signal, () => backend.scoreMany(todo.map((w) => w.prompt), todo.map((w) => w.candidates as string[]), signal ? { signal } : {})).then((outs) =>
            outs.map((o, k) => {
              const w = todo[k] as (typeof todo)[number];
              return { judged: judgeRank(w.candidates as string[], o.scores.map((s) => s.sum), w.query.answer), ms: o.latencyMs, ...(o.usage ? { usage: o.usage } : {}) };
            }),
          )
        : retrying(backend, stats, signal, () => backend.generate((todo[0] as (typeof todo)[number]).prompt, { maxTokens: cfg.maxTokens }, signal ? { signal } : {})).then((r) => [
            { judged: judgeGenerate(r.text, (todo[0] as (typeof todo)[number]).query.answer), ms: r.latencyMs, usage: { promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens } },
          ]);
    todo.forEach((w, k) => memo.set(w.key, call.then((outs) => outs[k] as CellOutcome)));
  }
  const settled = await Promise.allSettled(work.map((w) => memo.get(w.key) as Promise<CellOutcome>));
  return settled.map((s, k) => {
    if (s.status === "fulfilled") return s.value;
    const e: unknown = s.reason;
    // A failed call is not remembered: a retry of the sweep runs it again.
    memo.delete((work[k] as (typeof work)[number]).key);
    if (signal?.aborted) throw e;
    if (refusesTheSweep(e)) throw e;
    return e instanceof Error ? e : new Error(String(e));
  });
}

/** Errors no retry and no other cell will get past: the sweep fails with the engine's words. */
function refusesTheSweep(e: unknown): boolean {
  return isAppError(e) && (e.status === 401 || e.status === 403 || e.status === 404);
}

/**
 * A busy bundled engine (its queue full: a burst of interactive requests) is a reason to wait; a
 * remote engine's 429, 5xx and timeouts are retried with backoff, honouring Retry-After.
 */
function retrying<T>(backend: Backend, stats: StoredSweepStats, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
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

function addCacheStats(s: StoredSweepStats, before: EngineStats, after: EngineStats): void {
  const dv = { hits: after.visualCache.hits - before.visualCache.hits, misses: after.visualCache.misses - before.visualCache.misses };
  const dp = { hits: after.prefixCache.hits - before.prefixCache.hits, misses: after.prefixCache.misses - before.prefixCache.misses };
  s.visualCacheHits += Math.max(0, dv.hits);
  s.visualCacheLookups += Math.max(0, dv.hits + dv.misses);
  s.prefixCacheHits += Math.max(0, dp.hits);
  s.prefixCacheLookups += Math.max(0, dp.hits + dp.misses);
}
