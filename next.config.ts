import type { NextConfig } from "next";
import { API_CONTENT_SECURITY_POLICY, COMMON_SECURITY_HEADERS, RUNTIME_CACHE_HEADERS } from "./lib/http/security-headers";

const nextConfig: NextConfig = {
  // Native addons must be required at run time, never bundled.
  serverExternalPackages: [
    "better-sqlite3",
    "sharp",
    "onnxruntime-node",
    "pg",
    "@prisma/adapter-better-sqlite3",
    "@prisma/adapter-pg",
  ],
  poweredByHeader: false,
  // Lets parallel builds in one checkout (e.g. several engineers' e2e runs) keep separate outputs.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Security headers on every response (pages get their nonce CSP from proxy.ts): lib/http/security-headers.ts.
  async headers() {
    const apiCsp = [{ key: "Content-Security-Policy", value: API_CONTENT_SECURITY_POLICY }];
    return [
      { source: "/:path*", headers: [...COMMON_SECURITY_HEADERS] },
      { source: "/api/:path*", headers: apiCsp },
      { source: "/v1/:path*", headers: apiCsp },
      { source: "/ort/:version/:file", headers: [...RUNTIME_CACHE_HEADERS] },
    ];
  },
  // onnxruntime-web's WASM-only build that loads its runtime (.mjs glue + .wasm) from
  // ort.env.wasm.wasmPaths, i.e. the self-hosted /ort/<version>/ (lib/backends/browser/runtime-files.ts):
  // its default "bundle" build would make the bundler emit another copy of the .wasm that nothing fetches.
  // Not "onnxruntime-web/webgpu": transformers.js imports that from its own onnxruntime-web version.
  turbopack: {
    resolveAlias: {
      "onnxruntime-web/wasm": "./node_modules/onnxruntime-web/dist/ort.wasm.min.mjs",
    },
  },
  experimental: {
    serverActions: { bodySizeLimit: "12mb" },
  },
};

export default nextConfig;
