import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests against a production build (`next build` runs first in
 * scripts/test.sh). Two servers: the main one, and a second with a fresh,
 * empty database, to prove that an exported library imports back identically.
 * Debian's Chromium is used: Playwright's own browser download cannot run offline.
 */
const MAIN_PORT = Number(process.env.E2E_PORT ?? 3210);
const FRESH_PORT = MAIN_PORT + 1;
/** A shared-mode server (sign-in required) for tests/e2e/accounts.spec.ts, on its own fresh database. */
const ACCOUNTS_PORT = MAIN_PORT + 2;
const runId = process.env.E2E_RUN_ID ?? String(Date.now());
/** E2E_ACCOUNTS_ONLY=1 starts only the shared-mode server (for `playwright test --project accounts`). */
const accountsOnly = process.env.E2E_ACCOUNTS_ONLY === "1";
/** A fixed test key (sessions are signed with it): never used outside this throwaway server. */
const E2E_SECRET_KEY = "e2e0".repeat(16);

const server = (port: number, db: string, extraEnv: Record<string, string> = {}) => ({
  // The database file is removed first, so a repeated E2E_RUN_ID still starts empty.
  command: `rm -f ./.tmp/e2e-${runId}-${db}.db ./.tmp/e2e-${runId}-${db}.db-journal && npx next start -p ${port}`,
  url: `http://localhost:${port}/api/health`,
  reuseExistingServer: false,
  timeout: 120_000,
  env: { DATABASE_URL: `file:./.tmp/e2e-${runId}-${db}.db`, NEXT_TELEMETRY_DISABLED: "1", ...extraEnv },
  stdout: "pipe" as const,
  stderr: "pipe" as const,
});

const accountsServer = server(ACCOUNTS_PORT, "accounts", { STUDIO_AUTH: "required", STUDIO_SECRET_KEY: E2E_SECRET_KEY });

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
  projects: [
    { name: "local", testIgnore: /accounts\.spec\.ts$/ },
    { name: "accounts", testMatch: /accounts\.spec\.ts$/, use: { baseURL: `http://localhost:${ACCOUNTS_PORT}` } },
  ],
  webServer: accountsOnly ? [accountsServer] : [server(MAIN_PORT, "main"), server(FRESH_PORT, "fresh"), accountsServer],
  metadata: { freshBaseURL: `http://localhost:${FRESH_PORT}` },
});
