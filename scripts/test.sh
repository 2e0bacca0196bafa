#!/usr/bin/env bash
# The whole test suite, from a clean clone: lint, type check, unit, integration
# (real SQLite and a throwaway PostgreSQL cluster), then end-to-end tests in
# headless Chromium against a production build.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bash scripts/system-deps.sh
source scripts/ensure-deps.sh

reports=.tmp/reports
rm -rf "$reports" && mkdir -p "$reports"
step() { printf '\n━━ %s (at %ds)\n' "$*" "$((SECONDS - started))"; }
step "lint";        npm run --silent lint
step "type check";  npm run --silent typecheck
step "unit";        npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$reports/unit.json"
step "integration"; npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$reports/integration.json"
step "training";    bash training/test.sh
step "build";       npx next build
step "e2e";         PLAYWRIGHT_JSON_OUTPUT_FILE="$reports/e2e.json" npx playwright test --reporter=list,json
printf '\n━━ done in %ds\n' "$((SECONDS - started))"
node scripts/test-summary.mjs "$reports"
