import "server-only";
import type { Exchange } from "@/lib/backends/contract";
import type { RemoteEngineConfig } from "@/lib/engines/types";
import { elideImages } from "./elide";
import { connectionError, engineMessageOf, httpError, networkCause, redactDeep, redactor, timeoutError, UpstreamError } from "./errors";
import { engineLimiter } from "./limiter";
import { ChunkAccumulator, SseParser, StreamEventError, type StreamSummary } from "./sse";

/** Largest answer read from an engine (prompt log-probabilities of long prompts are big). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface JsonAnswer {
  status: number;
  body: unknown;
  exchange: Exchange;
  ms: number;
}

export interface StreamAnswer {
  status: number;
  summary: StreamSummary;
  exchange: Exchange;
  /** From the request's start (slot held) to the first text delta (null: none came). */
  firstDeltaMs: number | null;
  ms: number;
}

/** `url` without user:password@ (never shown). */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
};

/**
 * One engine's HTTP side: headers with the credentials (kept here, never returned), the timeout
 * (config.timeoutMs, merged with the caller's signal), the process-wide concurrency slot held for the
 * whole request, errors as UpstreamErrors, and the exchange record (image bytes elided, secrets
 * redacted from what the engine said).
 */
export class EngineHttp {
  readonly redact: (s: string) => string;
  private readonly fetchImpl: typeof fetch;

  constructor(
    readonly config: RemoteEngineConfig,
    fetchImpl?: typeof fetch,
  ) {
    this.fetchImpl = fetchImpl ?? fetch;
    this.redact = redactor([config.apiKey, ...Object.values(config.headers ?? {})]);
  }

  url(path: string): string {
    return `${this.config.baseUrl.replace(/\/+$/, "")}${path}`;
  }

  private headers(json: boolean, stream: boolean): Headers {
    const h = new Headers();
    if (json) h.set("content-type", "application/json");
    h.set("accept", stream ? "text/event-stream" : "application/json");
    if (this.config.apiKey) h.set("authorization", `Bearer ${this.config.apiKey}`);
    for (const [k, v] of Object.entries(this.config.headers ?? {})) {
      try {
        h.set(k, v);
      } catch {
        throw new UpstreamError("bad_request", `The engine ${this.config.name} has an invalid header name or value (header "${k.slice(0, 60)}")`);
      }
    }
    return h;
  }

  private exchange(path: string, request: unknown, response: unknown, status: number): Exchange {
    return { url: displayUrl(this.url(path)), request: request === undefined ? null : elideImages(request), response: redactDeep(response, this.redact), status };
  }

  /** A non-2xx answer's body as text (bounded), for the error. */
  private async errorOf(res: Response, path: string, request: unknown, signal: AbortSignal): Promise<UpstreamError> {
    let text = "";
    try {
      text = await readBounded(res, 256 * 1024, signal);
    } catch {
      // the message is what we have; the status says enough
    }
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    const exchange = this.exchange(path, request, parsed, res.status);
    return httpError({ engine: this.config.name, status: res.status, bodyText: this.redact(text), retryAfter: res.headers.get("retry-after"), exchange });
  }

  /**
   * Holds a slot, arms the timeout and runs `fn` with the merged signal; maps an abort to the
   * caller's reason, our timeout to a 504-style error and network failures to UpstreamErrors.
   */
  private async guarded<T>(path: string, request: unknown, signal: AbortSignal | undefined, fn: (s: AbortSignal, timer: Timer) => Promise<T>): Promise<T> {
    const limiter = engineLimiter(this.config.id, this.config.maxConcurrency);
    const release = await limiter.acquire(signal);
    const timer = new Timer(this.config.timeoutMs);
    const merged = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
    try {
      return await fn(merged, timer);
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (e instanceof CallerError) throw e.error;
      if (timer.fired) throw timeoutError(this.config.name, this.config.timeoutMs, timer.phase, this.exchange(path, request, null, 0));
      if (e instanceof UpstreamError) throw e;
      throw connectionError(this.config.name, originOf(this.config.baseUrl), e, this.exchange(path, request, null, 0));
    } finally {
      timer.clear();
      release();
    }
  }

  /** GET or POST with a JSON answer. */
  async json(method: "GET" | "POST", path: string, body: unknown, signal?: AbortSignal): Promise<JsonAnswer> {
    return this.guarded(path, body, signal, async (s) => {
      const t0 = performance.now();
      const res = await this.fetchImpl(this.url(path), { method, headers: this.headers(body !== undefined, false), ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: s, redirect: "error" });
      if (!res.ok) throw await this.errorOf(res, path, body, s);
      const text = await readBounded(res, MAX_RESPONSE_BYTES, s);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new UpstreamError("upstream_error", `The engine ${this.config.name} answered ${res.status} with something that is not JSON: ${engineMessageOf(this.redact(text)).slice(0, 200)}`, {
          upstreamStatus: res.status,
          exchange: this.exchange(path, body, this.redact(text.slice(0, 4000)), res.status),
        });
      }
      return { status: res.status, body: parsed, exchange: this.exchange(path, body, parsed, res.status), ms: performance.now() - t0 };
    });
  }

  /**
   * POST with `stream: true`: each text delta goes to `onDelta` as it arrives. The timeout applies
   * to the wait for the answer and then to every gap between events. An engine that answers with
   * plain JSON instead is read as one delta.
   */
  async stream(path: string, body: unknown, onDelta: (text: string) => void, signal?: AbortSignal): Promise<StreamAnswer> {
    return this.guarded(path, body, signal, async (s, timer) => {
      const t0 = performance.now();
      const res = await this.fetchImpl(this.url(path), { method: "POST", headers: this.headers(true, true), body: JSON.stringify(body), signal: s, redirect: "error" });
      if (!res.ok) throw await this.errorOf(res, path, body, s);
      const acc = new ChunkAccumulator();
      let firstDeltaMs: number | null = null;
      const delta = (text: string) => {
        if (text === "") return;
        firstDeltaMs ??= performance.now() - t0;
        try {
          onDelta(text);
        } catch (e) {
          throw new CallerError(e);
        }
      };
      const contentType = res.headers.get("content-type") ?? "";
      if (!contentType.includes("event-stream")) {
        const text = await readBounded(res, MAX_RESPONSE_BYTES, s);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new UpstreamError("upstream_error", `The engine ${this.config.name} answered a stream request with neither events nor JSON: ${engineMessageOf(this.redact(text)).slice(0, 200)}`, { upstreamStatus: res.status });
        }
        const c = parsed as { id?: string; model?: string; choices?: { message?: { content?: unknown }; finish_reason?: unknown; stop_reason?: unknown }[]; usage?: StreamSummary["usage"] };
        const choice = c.choices?.[0];
        const content = typeof choice?.message?.content === "string" ? choice.message.content : "";
        Object.assign(acc.summary, {
          id: c.id,
          model: c.model,
          text: content,
          finishReason: typeof choice?.finish_reason === "string" ? choice.finish_reason : null,
          stopReason: typeof choice?.stop_reason === "string" || typeof choice?.stop_reason === "number" ? choice.stop_reason : null,
          usage: c.usage ?? null,
          events: 1,
          done: true,
        });
        delta(content);
        return { status: res.status, summary: acc.summary, exchange: this.exchange(path, body, parsed, res.status), firstDeltaMs, ms: performance.now() - t0 };
      }
      if (!res.body) throw new UpstreamError("upstream_error", `The engine ${this.config.name} sent an empty stream`, { upstreamStatus: res.status });
      const record = () => this.exchange(path, body, streamRecord(acc.summary), res.status);
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      timer.phase = "stream";
      let bytes = 0;
      const take = (events: string[]) => {
        for (const data of events) {
          try {
            delta(acc.push(data));
          } catch (e) {
            if (e instanceof StreamEventError) {
              const msg = engineMessageOf(this.redact(JSON.stringify(e.body)));
              throw new UpstreamError("upstream_error", `The engine ${this.config.name} failed in the middle of the answer: ${msg}`, { engineMessage: msg, upstreamStatus: res.status, exchange: record() });
            }
            throw e;
          }
          if (acc.summary.done) return;
        }
      };
      try {
        for (;;) {
          timer.restart();
          let r: ReadableStreamReadResult<Uint8Array>;
          try {
            r = await reader.read();
          } catch (e) {
            if (signal?.aborted || timer.fired) throw e;
            // Cut after the answer was complete (only usage or [DONE] missing): the answer stands.
            if (acc.summary.finishReason !== null) break;
            const chars = acc.summary.text.length;
            throw new UpstreamError(
              "upstream_error",
              `The engine ${this.config.name} dropped the stream ${chars ? `after ${chars} characters of answer` : "before any answer"} (${describeCause(e)})`,
              { transient: chars === 0, upstreamStatus: res.status, exchange: record(), cause: e },
            );
          }
          if (r.done) break;
          bytes += r.value.byteLength;
          if (bytes > MAX_RESPONSE_BYTES) throw new UpstreamError("upstream_error", `The engine ${this.config.name} sent more than ${MAX_RESPONSE_BYTES} bytes`, { exchange: record() });
          take(parser.push(decoder.decode(r.value, { stream: true })));
          if (acc.summary.done) break;
        }
        if (!acc.summary.done) take([...parser.push(decoder.decode()), ...parser.end()]);
      } finally {
        void reader.cancel().catch(() => undefined);
      }
      if (!acc.summary.done && acc.summary.finishReason === null) {
        const chars = acc.summary.text.length;
        throw new UpstreamError("upstream_error", `The engine ${this.config.name} ended the stream without finishing the answer (${chars} characters, no finish reason, no [DONE])`, {
          transient: chars === 0,
          upstreamStatus: res.status,
          exchange: record(),
        });
      }
      return { status: res.status, summary: acc.summary, exchange: record(), firstDeltaMs, ms: performance.now() - t0 };
    });
  }
}

function describeCause(e: unknown): string {
  const { code, message } = networkCause(e);
  return code && !message.includes(code) ? `${message}, ${code}` : message;
}

/** A stream as the inspector shows it: the concatenated deltas, finish reason and usage. */
function streamRecord(s: StreamSummary): Record<string, unknown> {
  return {
    object: "chat.completion.stream",
    ...(s.id ? { id: s.id } : {}),
    ...(s.model ? { model: s.model } : {}),
    events: s.events,
    text: s.text,
    finish_reason: s.finishReason,
    ...(s.stopReason !== null ? { stop_reason: s.stopReason } : {}),
    usage: s.usage,
    done: s.done,
  };
}

/** An error of the caller's own callback (onToken), passed through as it is: not the engine's fault. */
class CallerError extends Error {
  constructor(readonly error: unknown) {
    super("the caller's callback failed");
  }
}

/** The timeout: armed on start, re-armed per stream event; says which wait it cut. */
class Timer {
  private readonly ctl = new AbortController();
  private t: ReturnType<typeof setTimeout> | undefined;
  fired = false;
  phase: "answer" | "stream" = "answer";
  constructor(private readonly ms: number) {
    this.restart();
  }
  get signal(): AbortSignal {
    return this.ctl.signal;
  }
  restart(): void {
    clearTimeout(this.t);
    this.t = setTimeout(() => {
      this.fired = true;
      this.ctl.abort(new DOMException("The engine did not answer in time", "TimeoutError"));
    }, this.ms);
  }
  clear(): void {
    clearTimeout(this.t);
  }
}

/** A response body as text, refusing more than `max` bytes. */
async function readBounded(res: Response, max: number, signal: AbortSignal): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let out = "";
  let n = 0;
  try {
    for (;;) {
      signal.throwIfAborted();
      const r = await reader.read();
      if (r.done) break;
      n += r.value.byteLength;
      if (n > max) throw new UpstreamError("upstream_error", `The engine's answer is larger than ${Math.round(max / 1024 / 1024)} MiB`);
      out += decoder.decode(r.value, { stream: true });
    }
    return out + decoder.decode();
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}
