#!/usr/bin/env bash
# Install, build and start Flamingo Studio on the embedded defaults:
# SQLite at data/studio.db (created, migrated and seeded on first start) and the bundled model.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-deps.sh

if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib workers public next.config.ts package-lock.json -newer .next/BUILD_ID -print -quit 2>/dev/null)" ]; then
  echo "› building (next build)"
  npx next build
fi
port="${PORT:-3000}"
# Loopback unless told otherwise: any other address makes this a shared deployment (sign-in required, lib/auth/mode.ts).
export STUDIO_HOST="${STUDIO_HOST:-127.0.0.1}"
echo "› Flamingo Studio on http://${STUDIO_HOST}:${port}"
# glibc keeps freed arenas otherwise: the server returns memory after large runs (measured: 620 → 330 MB RSS).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
exec npx next start -H "$STUDIO_HOST" -p "$port"
