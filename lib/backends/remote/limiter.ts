import "server-only";
import { AppError } from "@/lib/errors";

/**
 * The process-wide concurrency limit per remote engine: every request to an engine (interactive
 * runs, sweeps, probes) takes one of its `maxConcurrency` slots for as long as it is in flight, the
 * rest wait in FIFO order. Keyed by engine id; one registry per process (a globalThis singleton, so
 * route handlers, the sweep runner and instrumentation share it).
 */
interface Waiter {
  grant: () => void;
  reject: (e: unknown) => void;
}

/** Requests allowed to wait for one engine before new ones are refused (429). */
const MAX_WAITING = 2000;

export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Waiter[] = [];
  constructor(
    readonly key: string,
    private max: number,
  ) {}

  /** A changed setting applies to the next grants (requests in flight keep their slots). */
  setMax(max: number): void {
    this.max = Math.max(1, Math.floor(max) || 1);
    this.pump();
  }

  stats(): { active: number; waiting: number; max: number } {
    return { active: this.active, waiting: this.waiting.length, max: this.max };
  }

  /** Resolves with a release function once a slot is free; an abort while waiting rejects with the signal's reason. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active < this.max && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= MAX_WAITING) {
      return Promise.reject(new AppError("too_many_requests", `Too many requests are waiting for the engine ${this.key} (${this.waiting.length})`));
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(w);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      const w: Waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          this.active++;
          resolve(this.releaser());
        },
        reject,
      };
      this.waiting.push(w);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Runs `fn` holding a slot. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.active < this.max && this.waiting.length > 0) (this.waiting.shift() as Waiter).grant();
  }
}

const REGISTRY = Symbol.for("flamingo-studio.remote-limiters");
type Registry = Map<string, ConcurrencyLimiter>;

function registry(): Registry {
  const g = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  return (g[REGISTRY] ??= new Map());
}

/** The limiter of engine `id`, created on first use; `max` (the engine's maxConcurrency) updates it. */
export function engineLimiter(id: string, max: number): ConcurrencyLimiter {
  const reg = registry();
  let l = reg.get(id);
  if (!l) {
    l = new ConcurrencyLimiter(id, Math.max(1, Math.floor(max) || 1));
    reg.set(id, l);
  } else l.setMax(max);
  return l;
}

/** Slots in use and requests waiting for engine `id` (null: never used in this process). */
export function limiterStats(id: string): { active: number; waiting: number; max: number } | null {
  return registry().get(id)?.stats() ?? null;
}
