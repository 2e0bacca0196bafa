/**
 * Apply pending database migrations (the app also does this on start).
 *
 *   npx tsx scripts/migrate.ts            # DATABASE_URL, default file:./data/studio.db
 *   npx tsx scripts/migrate.ts --status   # show applied/pending, change nothing
 *   npx tsx scripts/migrate.ts --url postgresql://user@host/db
 */
import { spawnSync } from "node:child_process";

// lib/store imports "server-only", which only loads under the react-server
// condition (as in Next's server). Re-run ourselves with it when missing.
if (!process.execArgv.some((a) => a.includes("react-server"))) {
  const r = spawnSync(process.execPath, ["--conditions=react-server", ...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
const urlIndex = args.indexOf("--url");
const url = urlIndex >= 0 ? args[urlIndex + 1] : undefined;
const { migrate, migrationStatus } = await import("../lib/store/migrate");
const { databaseUrl, redact } = await import("../lib/store/db");
const target = redact(url ?? databaseUrl());

try {
  if (args.includes("--status")) {
    const s = await migrationStatus(url);
    console.log(`${s.provider} ${target}\n  applied: ${s.applied.join(", ") || "(none)"}\n  pending: ${s.pending.join(", ") || "(none)"}`);
    if (s.failed.length) console.log(`  FAILED: ${s.failed.join(", ")}`);
    if (s.modified.length) console.log(`  changed since applied: ${s.modified.join(", ")}`);
    process.exitCode = s.pending.length || s.failed.length ? 1 : 0;
  } else {
    const r = await migrate(url);
    console.log(
      r.applied.length
        ? `${r.provider} ${target}: applied ${r.applied.join(", ")}`
        : `${r.provider} ${target}: up to date (${r.alreadyApplied.length} applied)`,
    );
  }
} catch (e) {
  console.error(`migrate: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
