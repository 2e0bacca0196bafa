/**
 * The run inspector's pure parts: what went over the wire to a remote engine (the server sends
 * the request body with image bytes elided, and the raw response), made safe to show and to store.
 */
import type { Exchange } from "@/lib/backends/contract";

/** Keys whose values are credentials. The server never sends any; this is a second fence. */
const SECRET_KEY = /^(authorization|proxy-authorization|api[-_]?key|x-api-key|access[-_]?token|bearer)$/i;

function scrub(value: unknown, depth: number): unknown {
  if (depth > 64 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = SECRET_KEY.test(k) ? "[redacted]" : scrub(v, depth + 1);
  return out;
}

/** The exchange with any credential-named field redacted; undefined when it is not an exchange. */
export function sanitizeExchange(x: unknown): Exchange | undefined {
  if (!x || typeof x !== "object") return undefined;
  const e = x as Partial<Exchange>;
  if (typeof e.url !== "string") return undefined;
  return { url: stripUrlCredentials(e.url), status: typeof e.status === "number" && Number.isFinite(e.status) ? Math.round(e.status) : 0, request: scrub(e.request, 0), response: scrub(e.response, 0) };
}

/** `https://user:pass@host/v1?key=…` -> `https://host/v1?key=[redacted]` (key-like query parameters only). */
export function stripUrlCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    for (const k of [...u.searchParams.keys()]) if (/^(api[-_]?key|key|token|access[-_]?token)$/i.test(k)) u.searchParams.set(k, "[redacted]");
    return u.toString();
  } catch {
    return url;
  }
}

/** Pretty JSON; a string (a concatenated stream, a truncated body) as it is. */
export function prettyJson(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Characters of a value as JSON (a string counts with its quotes and escapes). */
const size = (v: unknown) => (JSON.stringify(v) ?? "").length;

/** A body too large to keep: its first characters, said to be cut, within `maxJson` characters of JSON. */
function truncated(v: unknown, maxJson: number): string {
  const text = typeof v === "string" ? v : (JSON.stringify(v) ?? "");
  const cut = (keep: number) => `${text.slice(0, Math.max(0, keep))}\n… [truncated: ${text.length.toLocaleString("en-US")} characters in all]`;
  let keep = maxJson - 80;
  let out = cut(keep);
  // Escapes (quotes, backslashes, control characters) make the JSON longer than the text: shrink until it fits.
  for (let i = 0; i < 8 && keep > 0 && size(out) > maxJson; i++) {
    keep = Math.floor((keep * maxJson) / size(out)) - 16;
    out = cut(keep);
  }
  return out;
}

/**
 * The exchange within `maxChars` of JSON, for a saved run: the response is cut first (a
 * prompt-log-probability answer can be megabytes), then the request. Unchanged when it fits.
 */
export function capExchange(x: Exchange, maxChars: number): Exchange {
  const url = x.url.slice(0, 2000);
  // The url, the keys and the status take the rest.
  const budget = Math.max(0, maxChars - size(url) - 100);
  let { request, response } = x;
  if (size(request) + size(response) <= budget) return { ...x, url };
  const half = Math.floor(budget / 2);
  if (size(request) <= half) response = truncated(response, budget - size(request));
  else {
    request = truncated(request, half);
    if (size(response) > half) response = truncated(response, half);
  }
  return { url, status: x.status, request, response };
}
