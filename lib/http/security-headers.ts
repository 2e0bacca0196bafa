/**
 * The security headers of every response, in one place: next.config.ts sends the fixed ones on every
 * path (pages, API, /v1, static files) and a locked-down CSP on API and /v1 responses; proxy.ts adds
 * each page's CSP with a fresh nonce. Plain data and functions: next.config.ts imports this file
 * directly (no `@/` alias, no server-only), so keep it free of imports.
 */

/** On every response. */
export const COMMON_SECURITY_HEADERS: readonly { key: string; value: string }[] = [
  // Never guess a type from the bytes: an uploaded image or a JSON answer is never run as HTML/script.
  { key: "X-Content-Type-Options", value: "nosniff" },
  // Not no-referrer: with it, browsers send `Origin: null` on the studio's own same-origin POSTs, which
  // the cross-site check (lib/http/origin.ts) must refuse. This one still never leaks paths to other sites.
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  // Older browsers' form of frame-ancestors 'none': no clickjacking through a frame.
  { key: "X-Frame-Options", value: "DENY" },
  // Cross-origin isolation, so the browser model's WebAssembly can use threads (SharedArrayBuffer).
  // On every response, not only pages: a worker script (the inference worker, ORT's thread workers
  // under /ort/) must carry COEP itself to run in an isolated page. Everything the pages load is
  // same-origin (chunks, Monaco, /api/assets images, /models, /ort), which require-corp always
  // allows, so it blocks nothing of ours (and no Cross-Origin-Resource-Policy is needed).
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Cross-Origin-Embedder-Policy", value: "require-corp" },
];

/**
 * The self-hosted ONNX Runtime (/ort/<version>/, lib/backends/browser/runtime-files.ts): versioned
 * paths, so cached for good; the HTTP cache then also keeps the browser's compiled WebAssembly.
 */
export const RUNTIME_CACHE_HEADERS: readonly { key: string; value: string }[] = [{ key: "Cache-Control", value: "public, max-age=31536000, immutable" }];

/**
 * API and /v1 answers are data, never documents: if one is ever opened as a page, nothing in it may
 * load or run, and it may not be framed.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The pages' policy. Each source is there for something the app does:
 * - script-src: Next's own scripts carry the per-request nonce (Next reads it from this header and
 *   stamps its tags); 'strict-dynamic' lets those load the app's chunks and Monaco's/ORT's modules, so
 *   no inline script without the nonce runs; 'wasm-unsafe-eval' compiles WebAssembly (onnxruntime-web,
 *   no JS eval); 'self' only matters to browsers without 'strict-dynamic'. Development adds
 *   'unsafe-eval' (React's dev tooling uses eval; production never does).
 * - style-src 'unsafe-inline': Monaco and React set inline styles (and Monaco injects <style> tags);
 *   no nonce here, since a nonce would switch 'unsafe-inline' off.
 * - worker-src 'self' blob:: the inference worker and Monaco's workers are module workers under
 *   /_next/static; blob: for onnxruntime-web, which may start its proxy worker from an object URL.
 * - img-src 'self' data: blob:: assets and thumbnails from the API, pasted/dropped images previewed as
 *   object URLs, data: URLs in rendered prompts.
 * - font-src 'self' data:: Monaco's codicon font (bundled under /_next/static; data: for inlined fonts).
 * - connect-src 'self': the browser talks only to this server (the model files, the API); remote engines
 *   are called by the server, never from the page.
 * - object-src 'none', base-uri 'self', form-action 'self', frame-ancestors 'none': no plugins, no
 *   <base> hijack, forms post only here, never framed.
 */
export function pageContentSecurityPolicy(nonce: string, options: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic' 'wasm-unsafe-eval'${options.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
