/** Pure path matching for the Better Auth route (route files may export only handlers). */

/** The path as a router would match it: decoded, without repeated or trailing slashes, lower case. */
export function normalisedPath(url: string): string {
  let path = new URL(url).pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // malformed escapes: match the raw path
  }
  return path.replace(/\/{2,}/g, "/").replace(/\/+$/, "").toLowerCase();
}
