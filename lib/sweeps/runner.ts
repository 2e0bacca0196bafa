/**
 * The background job runner of server-backend sweeps, one per server process (a globalThis
 * singleton, so route handlers and instrumentation share it).
 *
 * It claims one sweep at a time (queued, or running under a runner that died: a stale heartbeat, or
 * a dead process on this host — so a restart after kill -9 resumes at once), plans every cell, skips
 * the ones already stored and runs the rest in cache-friendly order (plan.ts). Each engine call is
 * short — a few queries of one cell group, its size adapted to ~0.5 s — and the next one is queued
 * only after it returns, so interactive runs wait at most one such call in the engine's FIFO queue.
 * Every batch is stored as soon as it returns (insert-if-absent on the cell's unique key), then
 * doneCells, stats and the heartbeat are recorded; a cancel or delete stops the run at the next batch.
 */
import "server-only";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { isAppError } from "@/lib/errors";
import type { FlamingoEngine, EngineStats } from "@/lib/runtime/engine";
import { QueueFullError } from "@/lib/runtime/queue";
import { failSweep, insertSweepResults, listActiveSweeps, recordSweepProgress, storedCellKeys, touchSweep, claimSweep, type ResultInput, type SweepOwner, type SweepRecord, type StoredSweepStats } from "@/lib/store/sweeps";
import { loadSweepContext, materialize, sweepEngine, sweepPlan, type SweepContext } from "./context";
import { judgeGenerate, judgeRank, type Judged } from "./curve";
import { cellKey, type PlannedCell } from "./plan";

/** A running sweep whose heartbeat is older than this is taken over (SWEEP_STALE_MS, default 30 s). */
const staleMs = () => Number(process.env.SWEEP_STALE_MS) || 30_000;
const HEARTBEAT_MS = 5_000;
const TARGET_CALL_MS = 500;
const MAX_BATCH = 64;

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
  /** An engine to use instead of the server's (benchmarks). */
  engine?: FlamingoEngine;
}

/**
 * Run a claimed sweep's remaining cells to the end (or until cancelled, deleted or aborted).
 * Returns the final status.
 */
export async function runSweep(id: string, opts: RunSweepOptions = {}): Promise<string | null> {
  const ctx = await loadSweepContext(id);
  const engine = opts.engine ?? (await sweepEngine(ctx));
  const t0 = performance.now();
  const base = ctx.record.stats;
  const stats: StoredSweepStats = { ...base, ...(opts.owner ? { owner: opts.owner } : {}) };
  const done = await storedCellKeys(id);
  // RICES features are model work too: counted in the stats.
  const beforePlan = engine.stats();
  const tp = performance.now();
  const cells = (await sweepPlan(ctx, engine, opts.signal)).filter((c) => !done.has(cellKey(c)));
  addStats(stats, beforePlan, engine.stats(), ctx.record.config.selections.includes("rices") ? performance.now() - tp : 0);
  let status: string | null = await recordSweepProgress(id, { ...stats, wallMs: base.wallMs + (performance.now() - t0) });
  if (status !== "running") return status;
  const memo = new Map<string, Judged>();
  let batch = 8;
  for (let i = 0; i < cells.length; ) {
    // One engine call: consecutive cells of the same group (selection, seed, shots), or one generation.
    const head = cells[i] as PlannedCell;
    let j = i + 1;
    const limit = ctx.record.config.mode === "generate" ? 1 : batch;
    while (j < cells.length && j - i < limit && sameGroup(cells[j] as PlannedCell, head)) j++;
    const group = cells.slice(i, j);
    const before = engine.stats();
    const tc = performance.now();
    const judged = await judgeCells(ctx, engine, group, memo, opts.signal);
    const ms = performance.now() - tc;
    addStats(stats, before, engine.stats(), ms);
    const rows: ResultInput[] = group.map((c, k) => ({ itemId: c.itemId, shots: c.shots, seed: c.seed, selection: c.selection, ...(judged[k] as Judged), demoItemIds: c.demos.map((d) => (ctx.pool[d] as { id: string }).id), ms: ms / group.length }));
    try {
      await insertSweepResults(id, rows);
    } catch (e) {
      // A deleted sweep takes its rows with it: stop quietly.
      if ((await recordSweepProgress(id, stats).catch(() => null)) === null) return null;
      throw e;
    }
    stats.wallMs = base.wallMs + (performance.now() - t0);
    status = await recordSweepProgress(id, stats);
    if (status !== "running") return status;
    if (ms < TARGET_CALL_MS / 2) batch = Math.min(MAX_BATCH, batch * 2);
    else if (ms > TARGET_CALL_MS * 2) batch = Math.max(1, Math.floor(batch / 2));
    i = j;
    await nextTick();
  }
  stats.wallMs = base.wallMs + (performance.now() - t0);
  return recordSweepProgress(id, stats);
}

const sameGroup = (a: PlannedCell, b: PlannedCell) => a.selection === b.selection && a.seed === b.seed && a.shots === b.shots;

/**
 * Judge a group of cells with one engine call. Cells whose prompt (and candidates) already ran in this
 * sweep — the 0-shot prompt is the same for every seed and selection — reuse that answer.
 */
async function judgeCells(ctx: SweepContext, engine: FlamingoEngine, cells: readonly PlannedCell[], memo: Map<string, Judged>, signal?: AbortSignal): Promise<Judged[]> {
  const work = cells.map((c) => {
    const m = materialize(ctx, c);
    return { ...m, key: JSON.stringify([m.prompt.parts, m.candidates ?? null, m.query.answer]) };
  });
  const todo = work.filter((w, k) => !memo.has(w.key) && work.findIndex((x) => x.key === w.key) === k);
  if (todo.length > 0) {
    const cfg = ctx.record.config;
    if (cfg.mode === "rank") {
      const scores = await retryBusy(() => engine.scoreMany(todo.map((w) => w.prompt), todo.map((w) => w.candidates as string[]), { signal }), signal);
      todo.forEach((w, k) => memo.set(w.key, judgeRank(w.candidates as string[], (scores[k] ?? []).map((s) => s.sum), w.query.answer)));
    } else {
      for (const w of todo) {
        const r = await retryBusy(() => engine.generate(w.prompt, { maxTokens: cfg.maxTokens, signal }), signal);
        memo.set(w.key, judgeGenerate(r.text, w.query.answer));
      }
    }
  }
  return work.map((w) => memo.get(w.key) as Judged);
}

/** A full engine queue (a burst of interactive requests) is a reason to wait, not to fail. */
async function retryBusy<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof QueueFullError) || attempt >= 120) throw e;
      signal?.throwIfAborted();
      await sleep(500);
    }
  }
}

function addStats(s: StoredSweepStats, before: EngineStats, after: EngineStats, ms: number): void {
  const dv = { hits: after.visualCache.hits - before.visualCache.hits, misses: after.visualCache.misses - before.visualCache.misses };
  const dp = { hits: after.prefixCache.hits - before.prefixCache.hits, misses: after.prefixCache.misses - before.prefixCache.misses };
  s.visualCacheHits += Math.max(0, dv.hits);
  s.visualCacheLookups += Math.max(0, dv.hits + dv.misses);
  s.prefixCacheHits += Math.max(0, dp.hits);
  s.prefixCacheLookups += Math.max(0, dp.hits + dp.misses);
  s.modelMs += ms;
}
