import "server-only";

/** A data URL long enough to be image bytes rather than a short literal. */
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),/i;

/** "812 B", "12.3 kB", "4.1 MB": decimal units, as the inspector shows sizes. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/** The bytes a data URL's payload decodes to (base64 counted exactly, padding excluded). */
function payloadBytes(url: string, headerLength: number, base64: boolean): number {
  const payload = url.length - headerLength;
  if (!base64) return payload;
  let pad = 0;
  if (url.endsWith("==")) pad = 2;
  else if (url.endsWith("=")) pad = 1;
  return Math.max(0, Math.floor((payload * 3) / 4) - pad);
}

/** One data URL → `data:image/jpeg;base64,…(12.3 kB)`; anything else unchanged. */
export function elideDataUrl(value: string): string {
  const m = DATA_URL.exec(value);
  if (!m) return value;
  const base64 = /;base64/i.test(m[2] ?? "");
  const size = payloadBytes(value, m[0].length, base64);
  return `${m[0]}…(${formatBytes(size)})`;
}

/**
 * The request body with every data URL (at any depth) replaced by its header and size, for the run
 * inspector: `data:image/jpeg;base64,…(12.3 kB)`. The input is not modified.
 */
export function elideImages<T>(body: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return elideDataUrl(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(body) as T;
}
