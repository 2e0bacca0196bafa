import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests against a production build (`next build` runs first in
 * scripts/test.sh). Two servers: the main one, and a second with a fresh,
 * empty database, to prove that an exported library imports back identically.
 * Debian's Chromium is used: Playwright's own browser download cannot run offline.
 */
const MAIN_PORT = Number(process.env.E2E_PORT ?? 3210);
const FRESH_PORT = MAIN_PORT + 1;
const runId = process.env.E2E_RUN_ID ?? String(Date.now());

const server = (port: number, db: string) => ({
  command: `npx next start -p ${port}`,
  url: `http://localhost:${port}/api/health`,
  reuseExistingServer: false,
  timeout: 120_000,
  env: { DATABASE_URL: `file:./.tmp/e2e-${runId}-${db}.db`, NEXT_TELEMETRY_DISABLED: "1" },
  stdout: "pipe" as const,
  stderr: "pipe" as const,
});

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: ".tmp/test-results",
  use: {
    baseURL: `http://localhost:${MAIN_PORT}`,
    trace: "off",
    screenshot: "only-on-failure",
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [server(MAIN_PORT, "main"), server(FRESH_PORT, "fresh")],
  metadata: { freshBaseURL: `http://localhost:${FRESH_PORT}` },
});
