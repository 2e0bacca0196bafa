#!/usr/bin/env bash
# The whole test suite, from a clean clone: lint, type check, unit, integration
# (real SQLite and a throwaway PostgreSQL cluster), then end-to-end tests in
# headless Chromium against a production build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
source scripts/ensure-deps.sh

step() { printf '\n━━ %s\n' "$*"; }
step "lint";        npm run --silent lint
step "type check";  npm run --silent typecheck
step "unit";        npm run --silent test:unit
step "integration"; npm run --silent test:integration
step "build";       npx next build
step "e2e";         npm run --silent test:e2e
