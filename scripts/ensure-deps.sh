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
