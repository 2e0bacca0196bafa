/**
 * Which image URLs name one of this server's stored images. Only a relative URL (a path on this
 * server: `/api/assets/<sha256>`) or an absolute one on an origin the caller names as its own
 * counts; the same path on any other host (`https://elsewhere.example/api/assets/<sha256>`,
 * `//elsewhere.example/api/assets/<sha256>`, `/\elsewhere.example/...`) is somebody else's URL and
 * is never read as a local asset. Pure and browser-safe.
 */
import { ASSET_ID } from "@/lib/prompt/schema";

const ASSET_PATH = /^\/api\/assets\/([0-9a-f]{64})\/?$/;
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;
/** A base no real request uses: a relative URL resolved against it keeps this origin, one naming a host does not. */
const RELATIVE_BASE = "http://relative.invalid";

/**
 * The asset id a URL names when it is this server's `/api/assets/<id>` (no query or fragment), or
 * null. `origins`: this server's own origins (e.g. the request's and STUDIO_PUBLIC_URL's), the only
 * ones an absolute URL may use.
 */
export function localAssetId(url: string, origins: readonly string[] = []): string | null {
  const raw = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(raw, RELATIVE_BASE);
  } catch {
    return null;
  }
  if (ABSOLUTE.test(raw)) {
    if (!origins.some((o) => sameOrigin(o, parsed.origin))) return null;
  } else if (parsed.origin !== RELATIVE_BASE || !raw.startsWith("/")) {
    // "//host/…" or "/\host/…" (a host, not a path), or a path relative to the current page.
    return null;
  }
  if (parsed.search !== "" || parsed.hash !== "" || parsed.username !== "" || parsed.password !== "") return null;
  const m = ASSET_PATH.exec(parsed.pathname);
  return m && ASSET_ID.test(m[1]!) ? m[1]! : null;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === b;
  } catch {
    return false;
  }
}
