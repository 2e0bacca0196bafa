/**
 * Pages only (see the matcher): the Host allow-list and cross-site check of lib/http/origin.ts, and a
 * Content-Security-Policy with a fresh nonce per request (lib/http/security-headers.ts). Next reads
 * the nonce from the request's CSP header and stamps its own scripts with it, which is why pages render
 * dynamically (app/layout.tsx waits for the request).
 *
 * API and /v1 routes are left out on purpose: while a proxy runs, Next tees every request body into
 * memory (up to 10 MB, silently cut beyond: experimental.proxyClientMaxBodySize) and waits for the whole
 * body before the route starts, which would truncate large imports and defeat the streaming size limits.
 * Those routes run the same checks in route() / guard() (lib/http/respond.ts) and get their headers
 * from next.config.ts.
 */
import { NextResponse, type NextRequest } from "next/server";
import { refuseRequest } from "@/lib/http/origin";
import { pageContentSecurityPolicy } from "@/lib/http/security-headers";

export function proxy(request: NextRequest): Response {
  const refusal = refuseRequest(request);
  if (refusal) {
    return new NextResponse(`${refusal.message}\n`, { status: refusal.status, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  const nonce = btoa(crypto.randomUUID());
  const csp = pageContentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development" });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  requestHeaders.set("x-nonce", nonce);
  // The page asked for, so a layout can send an anonymous visitor to sign-in and back (app/(studio)/layout.tsx); a client's own value is overwritten.
  requestHeaders.set("x-studio-path", `${request.nextUrl.pathname}${request.nextUrl.search}`);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  return response;
}

export const config = {
  // Everything but API and /v1 routes (see above), build output and public files (model packages, the ONNX Runtime).
  matcher: ["/((?!api(?:/|$)|v1(?:/|$)|_next/static/|_next/image|models/|ort/|favicon\\.ico$|icon\\.svg).*)"],
};
