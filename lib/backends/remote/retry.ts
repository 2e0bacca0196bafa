import "server-only";
import { isAppError } from "@/lib/errors";
import { isUpstreamError, networkCause, TRANSIENT_NETWORK_CODES } from "./errors";

/**
 * The retry policy for remote engine calls.
 *
 * The backend itself never retries: one `generate` / `score` call is one attempt (a `score` may send
 * several requests, one per candidate or per fallback method, and fails as a whole). Callers that
 * want retries (the sweep runner, per cell) wrap the call in `withRetries`, which retries only what
 * `retryable` accepts:
 * - HTTP 429, 502, 503, 504 and 408 from the engine (UpstreamError.transient);
 * - our timeout (config.timeoutMs) and connection failures (reset, refused, DNS, socket closed);
 * - a stream that dropped before any text arrived (after text: not retryable, the caller has it).
 * Never retried: the caller's abort, 4xx answers (bad request, credentials, unknown model, too many
 * images), a 500, answers we cannot read.
 * Waits: the engine's Retry-After when it sent one (seconds or an HTTP date, capped at
 * `maxRetryAfterMs`), else exponential backoff with full jitter: random(0, min(maxMs, baseMs·2^(n−1))).
 */
export interface RetryOptions {
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** First backoff ceiling (default 500 ms); doubles each try. */
  baseMs?: number;
  /** Largest backoff ceiling (default 10 s). */
  maxMs?: number;
  /** Longest Retry-After honoured (default 60 s): a longer one waits this long. */
  maxRetryAfterMs?: number;
  signal?: AbortSignal;
  /** Before each wait: the attempt that failed (1-based), the wait, the error. */
  onRetry?: (info: RetryInfo) => void;
  /** [0, 1) source of jitter (tests). */
  random?: () => number;
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  error: unknown;
}

const DEFAULTS = { attempts: 4, baseMs: 500, maxMs: 10_000, maxRetryAfterMs: 60_000 };

/** Whether another try may succeed (see the policy above). */
export function retryable(e: unknown): boolean {
  if (isUpstreamError(e)) return e.transient;
  if (isAppError(e)) return e.code === "too_many_requests" || e.code === "upstream_timeout" || e.status === 502 || e.status === 503 || e.status === 504;
  if (e instanceof Error || (e && typeof e === "object" && "name" in e)) {
    const name = (e as { name?: unknown }).name;
    if (name === "AbortError") return false;
    if (name === "TimeoutError") return true;
  }
  const { code } = networkCause(e);
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
}

/** The engine's Retry-After carried by the error, in ms. */
export function retryAfterOf(e: unknown): number | undefined {
  const v = e && typeof e === "object" ? (e as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** How long to wait after failed attempt `attempt` (1-based). */
export function retryDelay(attempt: number, error: unknown, o: Pick<RetryOptions, "baseMs" | "maxMs" | "maxRetryAfterMs" | "random"> = {}): number {
  const after = retryAfterOf(error);
  if (after !== undefined) return Math.min(after, o.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs);
  const ceiling = Math.min(o.maxMs ?? DEFAULTS.maxMs, (o.baseMs ?? DEFAULTS.baseMs) * 2 ** Math.max(0, attempt - 1));
  return Math.floor((o.random ?? Math.random)() * ceiling);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function withAttemptCount(e: unknown, attempts: number): unknown {
  const note = ` (gave up after ${attempts} attempts)`;
  if (e instanceof Error) {
    if (!e.message.endsWith(note)) e.message += note;
    return e;
  }
  return new Error(`${String(e)}${note}`, { cause: e });
}

/**
 * Runs `fn` until it succeeds, fails with something `retryable` rejects, or `attempts` tries are
 * spent; then rethrows the last error, its message ending "(gave up after N attempts)" when more
 * than one try was made. An abort of `signal` stops at once (during a wait too).
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, Math.floor(opts.attempts ?? DEFAULTS.attempts));
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      if (attempt >= attempts || !retryable(e)) throw attempt > 1 ? withAttemptCount(e, attempt) : e;
      const delayMs = retryDelay(attempt, e, opts);
      opts.onRetry?.({ attempt, delayMs, error: e });
      await sleep(delayMs, opts.signal);
    }
  }
}
