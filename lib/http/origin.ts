/**
 * Which requests the studio answers at all: the one decision for every API and /v1 route (through
 * `route()` / `guard()` in lib/http/respond.ts) and every page (proxy.ts).
 *
 * Why:
 * - DNS rebinding: a page on attacker.example can make its own name resolve to the studio's address and
 *   then read and write the API as "same origin". Only the Host header shows it. When the deployment
 *   names its hosts (STUDIO_ALLOWED_HOSTS, or STUDIO_PUBLIC_URL), any other Host is refused (421) before
 *   anything else runs. Unset: local mode, no Host check.
 * - Cross-site writes (CSRF): a plain HTML form or a no-cors fetch on any site can POST to the studio
 *   (text/plain or form bodies need no CORS preflight). Browsers label such requests with `Origin`
 *   and `Sec-Fetch-Site`; a state-changing request (POST, PUT, PATCH, DELETE) whose Origin is not the
 *   studio's own (scheme + Host) nor in STUDIO_ALLOWED_ORIGINS / STUDIO_PUBLIC_URL, or that the browser
 *   marks `Sec-Fetch-Site: cross-site`, is refused (403). Requests without these headers (curl, SDKs,
 *   engines calling /v1, server-to-server) pass: they carry no ambient browser credentials.
 *
 * Accounts (later): this check does not look at credentials, so it stays the CSRF defence when a
 * session cookie arrives (set it SameSite=Lax as well). Cookie-authenticated writes from browsers always
 * carry Origin in current browsers; API keys sent in a header cannot be forged cross-site and keep passing.
 *
 * Pure functions of the request and the policy (no I/O), so the proxy, route wrappers and tests share them.
 */
import { AppError } from "@/lib/errors";
import { env, type Env } from "@/lib/env";

export type RequestPolicyEnv = Pick<Env, "STUDIO_PUBLIC_URL" | "STUDIO_ALLOWED_HOSTS" | "STUDIO_ALLOWED_ORIGINS">;

export interface RequestPolicy {
  /** Host names ("name" matches any port, "name:port" only that port); null: no Host check. */
  hosts: readonly string[] | null;
  /** Origins trusted for writes besides the request's own (explicitly configured: may be cross-site). */
  origins: ReadonlySet<string>;
}

/** Methods that change state; the rest (GET, HEAD, OPTIONS) must not, and are not checked for origin. */
const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function requestPolicy(source: RequestPolicyEnv = env()): RequestPolicy {
  const publicUrl = source.STUDIO_PUBLIC_URL;
  const hosts = [...source.STUDIO_ALLOWED_HOSTS];
  // The public URL's host, with its port only when it names one (browsers omit default ports).
  if (publicUrl) hosts.push(publicUrl.host.toLowerCase());
  const origins = new Set(source.STUDIO_ALLOWED_ORIGINS);
  if (publicUrl) origins.add(publicUrl.origin);
  return { hosts: hosts.length > 0 ? hosts : null, origins };
}

/** The Host the client asked for (the header; the URL's host when there is none, as in tests). */
export function requestHost(request: Request): string {
  return (request.headers.get("host") ?? new URL(request.url).host).trim().toLowerCase();
}

function splitHost(host: string): { name: string; port: string | null } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  const name = (m?.[1] ?? host).replace(/\.$/, "");
  return { name, port: m?.[2] || null };
}

export function hostAllowed(host: string, policy: RequestPolicy): boolean {
  if (policy.hosts === null) return true;
  const asked = splitHost(host.toLowerCase());
  return policy.hosts.some((entry) => {
    const allowed = splitHost(entry);
    return allowed.name === asked.name && (allowed.port === null || allowed.port === asked.port);
  });
}

/** The request's own origin: its scheme (x-forwarded-proto is already in Next's request.url) + Host. */
export function ownOrigin(request: Request): string | null {
  try {
    return new URL(`${new URL(request.url).protocol}//${requestHost(request)}`).origin;
  } catch {
    return null;
  }
}

function normaliseOrigin(value: string): string {
  try {
    const origin = new URL(value).origin;
    return origin === "null" ? value : origin;
  } catch {
    return value; // "null" (sandboxed frames, file: pages) and junk stay as sent: never allowed
  }
}

/**
 * Why the studio must not answer this request, or null to go on. Host first (nothing about a
 * misdirected request is trusted), then the cross-site check for state-changing methods.
 */
export function refuseRequest(request: Request, policy: RequestPolicy = requestPolicy()): AppError | null {
  const host = requestHost(request);
  if (!hostAllowed(host, policy)) {
    return new AppError(
      "misdirected_request",
      `This studio does not answer to the host "${host}". Open it at its own address; an operator can add this name to STUDIO_ALLOWED_HOSTS (or set STUDIO_PUBLIC_URL).`,
    );
  }
  if (!UNSAFE_METHODS.has(request.method.toUpperCase())) return null;

  const rawOrigin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site")?.trim().toLowerCase() ?? null;
  const own = ownOrigin(request);
  const where = own ?? "its own address";
  if (rawOrigin !== null) {
    const origin = normaliseOrigin(rawOrigin.trim());
    if (policy.origins.has(origin)) return null;
    if (origin === own && site !== "cross-site") return null;
    return new AppError(
      "forbidden",
      `Refused a change sent from another site (${origin}): pages elsewhere may not change this studio. Make the change in the studio itself (${where}). To let that site send changes, add ${origin} to STUDIO_ALLOWED_ORIGINS; scripts and API clients that send no Origin header are not affected.`,
    );
  }
  if (site === "cross-site") {
    return new AppError(
      "forbidden",
      `Refused a change sent from another site: pages elsewhere may not change this studio. Make the change in the studio itself (${where}); scripts and API clients that send no Origin header are not affected.`,
    );
  }
  return null;
}
