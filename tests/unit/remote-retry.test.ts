import { describe, expect, it } from "vitest";
import { UpstreamError } from "@/lib/backends/remote/errors";
import { retryable, retryDelay, withRetries } from "@/lib/backends/remote/retry";
import { AppError } from "@/lib/errors";

const transient = (status = 503, retryAfterMs?: number) =>
  new UpstreamError(status === 429 ? "too_many_requests" : "upstream_error", `The engine e failed (${status}): busy`, { upstreamStatus: status, transient: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

describe("retryable", () => {
  it("retries 429, 502-504, timeouts and resets; nothing else", () => {
    expect(retryable(transient(503))).toBe(true);
    expect(retryable(new UpstreamError("bad_request", "x", { upstreamStatus: 400 }))).toBe(false);
    expect(retryable(new AppError("too_many_requests", "busy"))).toBe(true);
    expect(retryable(new AppError("upstream_timeout", "slow"))).toBe(true);
    expect(retryable(new AppError("not_found", "x"))).toBe(false);
    expect(retryable(new DOMException("aborted", "AbortError"))).toBe(false);
    expect(retryable(new DOMException("late", "TimeoutError"))).toBe(true);
    expect(retryable(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toBe(true);
    expect(retryable(new TypeError("x is not a function"))).toBe(false);
  });
});

describe("retryDelay", () => {
  it("full jitter under an exponential ceiling, capped", () => {
    const o = { baseMs: 100, maxMs: 1000 };
    expect(retryDelay(1, transient(), { ...o, random: () => 0.999 })).toBe(99);
    expect(retryDelay(3, transient(), { ...o, random: () => 0.5 })).toBe(200);
    expect(retryDelay(10, transient(), { ...o, random: () => 0.5 })).toBe(500);
    expect(retryDelay(2, transient(), { ...o, random: () => 0 })).toBe(0);
  });

  it("honours Retry-After exactly, capped at maxRetryAfterMs", () => {
    expect(retryDelay(1, transient(429, 1500), { random: () => 0 })).toBe(1500);
    expect(retryDelay(1, transient(429, 600_000), { maxRetryAfterMs: 30_000 })).toBe(30_000);
  });
});

describe("withRetries", () => {
  it("retries transient failures and returns the first success", async () => {
    let calls = 0;
    const waits: number[] = [];
    const r = await withRetries(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw transient();
        return "ok";
      },
      { attempts: 5, baseMs: 1, maxMs: 2, onRetry: (i) => waits.push(i.attempt) },
    );
    expect(r).toBe("ok");
    expect(calls).toBe(3);
    expect(waits).toEqual([1, 2]);
  });

  it("gives up after `attempts`, the count in the message, the error's class and code kept", async () => {
    const err = await withRetries(() => Promise.reject(transient(503)), { attempts: 3, baseMs: 1, maxMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).message).toMatch(/failed \(503\): busy \(gave up after 3 attempts\)$/);
    expect((err as UpstreamError).status).toBe(502);
  });

  it("does not retry what is not retryable (message unchanged on the first try)", async () => {
    let calls = 0;
    const err = await withRetries(
      () => {
        calls++;
        return Promise.reject(new AppError("bad_request", "nope"));
      },
      { attempts: 5, baseMs: 1 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect((err as Error).message).toBe("nope");
  });

  it("waits Retry-After between tries", async () => {
    const at: number[] = [];
    await withRetries(
      async (attempt) => {
        at.push(performance.now());
        if (attempt === 1) throw transient(429, 120);
        return 1;
      },
      { attempts: 2, random: () => 0 },
    );
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(115);
  });

  it("an abort during a wait stops at once", async () => {
    const ctl = new AbortController();
    const t0 = performance.now();
    const p = withRetries(() => Promise.reject(transient(429, 10_000)), { attempts: 3, signal: ctl.signal });
    setTimeout(() => ctl.abort(new DOMException("stop", "AbortError")), 20);
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
