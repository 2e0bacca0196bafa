import "server-only";
import type { Exchange } from "@/lib/backends/contract";
import { AppError, type ErrorCode } from "@/lib/errors";

/**
 * A remote engine's failure as an AppError: the engine's own words in the message, never a 500 of
 * ours. `transient` says whether trying again may help (429, 502/503/504, timeouts, resets): the
 * retry helper (retry.ts) reads it, and `retryAfterMs` (the engine's Retry-After).
 */
export class UpstreamError extends AppError {
  /** The HTTP status the engine answered (null: no answer, e.g. a timeout or a reset). */
  readonly upstreamStatus: number | null;
  /** The engine's own message (already redacted), without our framing. */
  readonly engineMessage: string;
  readonly transient: boolean;
  readonly retryAfterMs: number | undefined;
  /** What went over the wire (image bytes elided, no secrets), when a request was sent. */
  exchange: Exchange | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    o: { upstreamStatus?: number | null; engineMessage?: string; transient?: boolean; retryAfterMs?: number; exchange?: Exchange; cause?: unknown } = {},
  ) {
    super(code, message, o.cause !== undefined ? { cause: o.cause } : {});
    this.name = "UpstreamError";
    this.upstreamStatus = o.upstreamStatus ?? null;
    this.engineMessage = o.engineMessage ?? message;
    this.transient = o.transient ?? false;
    this.retryAfterMs = o.retryAfterMs;
    this.exchange = o.exchange;
  }
}

export const isUpstreamError = (e: unknown): e is UpstreamError => e instanceof UpstreamError;

const MAX_MESSAGE = 600;

function clip(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > MAX_MESSAGE ? `${one.slice(0, MAX_MESSAGE)}…` : one;
}

function messageOf(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim() || undefined;
  if (!v || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  // {error: {message}} (OpenAI, vLLM ≥0.10, ours), {error: "..."} (llama.cpp old, TGI), {object: "error", message} (older vLLM)
  if (o.error !== undefined) {
    const inner = messageOf(o.error);
    if (inner) return inner;
  }
  if (typeof o.message === "string" && o.message.trim()) return o.message.trim();
  // FastAPI validation: {detail: "..."} or {detail: [{loc, msg, type}]}
  if (typeof o.detail === "string" && o.detail.trim()) return o.detail.trim();
  if (Array.isArray(o.detail)) {
    const msgs = o.detail.flatMap((d) => {
      if (!d || typeof d !== "object") return [];
      const r = d as { msg?: unknown; loc?: unknown };
      if (typeof r.msg !== "string") return [];
      const loc = Array.isArray(r.loc) ? r.loc.filter((x) => x !== "body").join(".") : "";
      return [loc ? `${loc}: ${r.msg}` : r.msg];
    });
    if (msgs.length) return msgs.join("; ");
  }
  return undefined;
}

/**
 * The engine's own message from an error body: `{error:{message}}`, `{object:"error",message}`,
 * `{error:"..."}`, `{detail:...}`, an HTML page's title, or the text itself (clipped).
 */
export function engineMessageOf(bodyText: string): string {
  const text = bodyText.trim();
  if (!text) return "(no message)";
  try {
    const found = messageOf(JSON.parse(text));
    if (found) return clip(found);
  } catch {
    // not JSON
  }
  if (text.startsWith("<")) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(text)?.[1];
    return clip(title ?? text.replace(/<[^>]*>/g, " "));
  }
  return clip(text);
}

/** Retry-After: delta-seconds or an HTTP date, in ms from `now` (undefined when absent or unreadable). */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Replaces every secret (API key, header values) in a text. Values shorter than 8 characters are
 * left alone: they are not secrets worth the name ("true", "json") and replacing them would mangle
 * what the engine said.
 */
export function redactor(secrets: readonly (string | null | undefined)[]): (s: string) => string {
  const list = [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.length >= 8))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (s) => s;
  return (s) => {
    let out = s;
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
    return out;
  };
}

/** Deep copy with every string passed through `redact`. */
export function redactDeep<T>(v: T, redact: (s: string) => string): T {
  const walk = (x: unknown): unknown => {
    if (typeof x === "string") return redact(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, y] of Object.entries(x)) out[k] = walk(y);
      return out;
    }
    return x;
  };
  return walk(v) as T;
}

export interface HttpErrorInput {
  engine: string;
  status: number;
  bodyText: string;
  retryAfter?: string | null;
  exchange?: Exchange;
  now?: number;
}

/** An engine's non-2xx answer → UpstreamError with the engine's words and a status of ours that says what happened. */
export function httpError({ engine, status, bodyText, retryAfter, exchange, now }: HttpErrorInput): UpstreamError {
  const msg = engineMessageOf(bodyText);
  const common = { upstreamStatus: status, engineMessage: msg, ...(exchange ? { exchange } : {}) };
  if (status === 401 || status === 403) {
    return new UpstreamError(status === 401 ? "unauthorized" : "forbidden", `The engine ${engine} refused the credentials (${status}): ${msg}`, common);
  }
  if (status === 404) return new UpstreamError("not_found", `The engine ${engine} answered 404 (unknown model or route? check the base URL and model id): ${msg}`, common);
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    const wait = retryAfterMs !== undefined ? `; it asks to retry after ${Math.ceil(retryAfterMs / 1000)} s` : "";
    return new UpstreamError("too_many_requests", `The engine ${engine} is rate-limiting requests (429${wait}): ${msg}`, { ...common, transient: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (status === 408) return new UpstreamError("upstream_timeout", `The engine ${engine} timed out (408): ${msg}`, { ...common, transient: true });
  if (status >= 500) {
    const transient = status === 502 || status === 503 || status === 504;
    const retryAfterMs = transient ? parseRetryAfter(retryAfter, now) : undefined;
    return new UpstreamError(status === 504 ? "upstream_timeout" : "upstream_error", `The engine ${engine} failed (${status}): ${msg}`, { ...common, transient, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  const code: ErrorCode = status === 413 ? "payload_too_large" : status === 422 ? "unprocessable" : status === 415 ? "unsupported_media_type" : "bad_request";
  return new UpstreamError(code, `The engine ${engine} rejected the request (${status}): ${msg}`, common);
}

/** Node (undici) network error codes worth another try. */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CLOSED"]);

/** The innermost error code and message of a fetch failure (undici wraps them in `cause`). */
export function networkCause(e: unknown): { code: string | undefined; message: string } {
  let cur: unknown = e;
  let code: string | undefined;
  let message = e instanceof Error ? e.message : String(e);
  for (let depth = 0; cur && typeof cur === "object" && depth < 5; depth++) {
    const c = cur as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof c.code === "string") code = c.code;
    if (typeof c.message === "string" && c.message) message = c.message;
    cur = c.cause;
  }
  return { code, message };
}

/** A request that got no answer (refused, reset, DNS) → UpstreamError. */
export function connectionError(engine: string, origin: string, e: unknown, exchange?: Exchange): UpstreamError {
  const { code, message } = networkCause(e);
  const why = code && !message.includes(code) ? `${message} (${code})` : message;
  const reached = code === undefined && e instanceof Error && e.message !== "fetch failed";
  return new UpstreamError("upstream_error", reached ? `The request to the engine ${engine} failed: ${why}` : `Could not reach the engine ${engine} at ${origin}: ${why}`, {
    engineMessage: why,
    transient: code !== undefined && TRANSIENT_NETWORK_CODES.has(code),
    ...(exchange ? { exchange } : {}),
    cause: e,
  });
}

export function timeoutError(engine: string, timeoutMs: number, what: "answer" | "stream", exchange?: Exchange): UpstreamError {
  const s = timeoutMs >= 1000 ? `${+(timeoutMs / 1000).toFixed(1)} s` : `${timeoutMs} ms`;
  const msg = what === "answer" ? `The engine ${engine} did not answer within ${s} (the engine's timeout)` : `The engine ${engine} sent nothing for ${s} in the middle of a stream (the engine's timeout)`;
  return new UpstreamError("upstream_timeout", msg, { engineMessage: msg, transient: true, ...(exchange ? { exchange } : {}) });
}
