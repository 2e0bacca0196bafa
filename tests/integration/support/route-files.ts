/**
 * The route handlers on disk, as Next sees them: every app/**\/route.ts, its URL pattern ("/api/templates/[id]",
 * route groups like "(auth)" dropped) and the HTTP methods it exports. Found at test time, so a route added
 * later is in the permission matrix without anyone listing it.
 */
import fs from "node:fs";
import path from "node:path";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

export interface RouteMethod {
  /** "DELETE /api/templates/[id]": the key of the permission rules. */
  key: string;
  method: HttpMethod;
  pattern: string;
  file: string;
  handler: Handler;
}

function routeFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...routeFiles(full));
    else if (entry.name === "route.ts" || entry.name === "route.js") found.push(full);
  }
  return found;
}

/** "app/(studio)/api/x/[id]/route.ts" → "/api/x/[id]". */
export function patternOf(appDir: string, file: string): string {
  const segments = path.relative(appDir, path.dirname(file)).split(path.sep).filter((s) => s !== "" && !/^\(.*\)$/.test(s));
  return `/${segments.join("/")}`;
}

/** Every exported HTTP method of every route handler under `appDir`, sorted by pattern then method. */
export async function discoverRoutes(appDir = path.join(process.cwd(), "app")): Promise<RouteMethod[]> {
  const routes: RouteMethod[] = [];
  for (const file of routeFiles(appDir).sort()) {
    const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
    const pattern = patternOf(appDir, file);
    for (const method of HTTP_METHODS) {
      const handler = mod[method];
      if (typeof handler === "function") routes.push({ key: `${method} ${pattern}`, method, pattern, file: path.relative(process.cwd(), file), handler: handler as Handler });
    }
  }
  return routes.sort((a, b) => a.pattern.localeCompare(b.pattern) || HTTP_METHODS.indexOf(a.method) - HTTP_METHODS.indexOf(b.method));
}

/**
 * The params Next would pass for `urlPath` under `pattern`: "[id]" takes one segment, "[...all]" the rest (an array).
 * Throws when the path does not fit the pattern (a mistake in the test's own request table).
 */
export function paramsFor(pattern: string, urlPath: string): Record<string, string | string[]> {
  const want = pattern.split("/").filter(Boolean);
  const got = urlPath.split("?")[0]!.split("/").filter(Boolean);
  const params: Record<string, string | string[]> = {};
  for (const [i, seg] of want.entries()) {
    const rest = /^\[\.\.\.(.+)\]$/.exec(seg);
    if (rest) {
      params[rest[1]!] = got.slice(i).map(decodeURIComponent);
      return params;
    }
    const one = /^\[(.+)\]$/.exec(seg);
    if (one) params[one[1]!] = decodeURIComponent(got[i] ?? "");
    else if (got[i] !== seg) throw new Error(`${urlPath} does not fit ${pattern}`);
  }
  if (got.length !== want.length) throw new Error(`${urlPath} does not fit ${pattern}`);
  return params;
}
