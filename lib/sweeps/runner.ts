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
import { backendFor } from "@/lib/engines";
import { isAppError } from "@/lib/errors";
import { failSweep, insertSweepResults, listActiveSweeps, recordSweepProgress, resultKey, storedCellKeys, touchSweep, claimSweep, type SweepOwner, type SweepRecord, type StoredSweepStats } from "@/lib/store/sweeps";
import { cellWork, loadSweepContext, sweepPlan } from "./context";
import { runEngineCells } from "./execute";
import { seededRandom, shuffle } from "@/lib/eval/select";
import type { SweepStatus } from "./types";

/** A running sweep whose heartbeat is older than this is taken over (SWEEP_STALE_MS, default 30 s). */
const staleMs = () => Number(process.env.SWEEP_STALE_MS) || 30_000;
const HEARTBEAT_MS = 5_000;


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
  /** Benchmarks only: run the cells in a seeded shuffled order instead of the plan's prefix-grouped one. */
  shuffle?: number;
}

/**
 * Run a claimed sweep's remaining cells to the end (or until cancelled, deleted or aborted), on each
 * of its engines at once (lib/sweeps/execute.ts drives each engine). Every batch is stored as it
 * finishes; a batch the store refuses (the sweep was cancelled or deleted) stops that engine.
 * Returns the final status.
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
  // An engine that refuses the sweep stops the others too; every engine's call in flight is awaited
  // before the error fails the sweep, so no model work of a failed sweep goes on behind it.
  const stop = new AbortController();
  const outer = () => stop.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", outer, { once: true });
  let failure: { error: unknown } | undefined;
  try {
    await Promise.all(
      backends.map(({ engineId, backend }) => {
        const left = plan.filter((c) => !done.has(resultKey({ engine: engineId, ...c })));
        const todo = opts.shuffle === undefined ? left : shuffle(left, seededRandom(opts.shuffle));
        return runEngineCells(cellWork(ctx), engineId, backend, todo, {
          stats,
          signal: stop.signal,
          stopped: () => progress.stopped,
          store: async (rows) => {
            const stored = await insertSweepResults(id, rows);
            await progress.write();
            return stored.open && !progress.stopped;
          },
        }).catch((e: unknown) => {
          if (!stop.signal.aborted) failure ??= { error: e };
          stop.abort(e);
        });
      }),
    );
  } finally {
    opts.signal?.removeEventListener("abort", outer);
  }
  if (failure) throw failure.error;
  if (opts.signal?.aborted) throw opts.signal.reason;
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

