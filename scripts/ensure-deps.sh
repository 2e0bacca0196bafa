#!/usr/bin/env bash
# Install what the app needs, offline-safe, and only when something changed.
# Sourced by start.sh and test.sh so both work on a fresh clone.
set -euo pipefail

# onnxruntime-node's postinstall downloads CUDA binaries: no internet here, and we ship CPU.
export ONNXRUNTIME_NODE_INSTALL=skip
export NEXT_TELEMETRY_DISABLED=1

stamp=node_modules/.flamingo-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "› installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

# The Prisma clients are generated (git-ignored); regenerate when a schema is newer.
if [ ! -f lib/generated/sqlite/client.ts ] || [ ! -f lib/generated/postgres/client.ts ] \
  || [ -n "$(find prisma -name schema.prisma -newer lib/generated/sqlite/client.ts 2>/dev/null)" ]; then
  echo "› generating Prisma clients"
  npm run --silent prisma:generate
fi

# onnxruntime-web's runtime, self-hosted (never a CDN) under public/ort/<version>/ (git-ignored): only the
# two builds the app uses (lib/backends/browser/runtime-files.ts): the WASM-only one and WebGPU's asyncify one.
ort_dist=node_modules/onnxruntime-web/dist
ort_dir="public/ort/$(node -p 'require("./node_modules/onnxruntime-web/package.json").version')"
for f in ort-wasm-simd-threaded.mjs ort-wasm-simd-threaded.wasm ort-wasm-simd-threaded.asyncify.mjs ort-wasm-simd-threaded.asyncify.wasm; do
  if ! cmp -s "$ort_dist/$f" "$ort_dir/$f"; then
    mkdir -p "$ort_dir"
    cp "$ort_dist/$f" "$ort_dir/$f"
  fi
done
