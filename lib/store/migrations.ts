/**
 * The committed migrations, read from prisma/<provider>/migrations in the
 * layout Prisma's CLI writes: one folder per migration, named
 * <timestamp>_<name>, each with a migration.sql, applied in name order.
 */
import "server-only";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Provider } from "./db";

export interface MigrationFile {
  /** The folder name; Prisma's `migration_name`. */
  name: string;
  sql: string;
  /** Lowercase hex SHA-256 of the file's bytes, as Prisma records it. */
  checksum: string;
}

export function migrationsDir(provider: Provider): string {
  return path.resolve(process.env.FLAMINGO_MIGRATIONS_ROOT ?? path.join(process.cwd(), "prisma"), provider, "migrations");
}

export function readMigrations(provider: Provider): MigrationFile[] {
  const dir = migrationsDir(provider);
  if (!fs.existsSync(dir)) throw new Error(`No migrations folder at ${dir}: run the app from the repository root`);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const bytes = fs.readFileSync(path.join(dir, name, "migration.sql"));
      return { name, sql: bytes.toString("utf8"), checksum: createHash("sha256").update(bytes).digest("hex") };
    });
}

/** A row of `_prisma_migrations`, as both providers return it. */
export interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  applied_steps_count: number;
}

export interface MigrationStatus {
  provider: Provider;
  applied: string[];
  pending: string[];
  /** Started but never finished (a crash under the real Prisma CLI): needs a person. */
  failed: string[];
  /** Applied, but the committed file changed since. */
  modified: string[];
}

export function compareWithHistory(provider: Provider, files: MigrationFile[], rows: MigrationRow[]): MigrationStatus {
  const live = rows.filter((r) => r.rolled_back_at === null || r.rolled_back_at === undefined);
  const done = new Map(live.filter((r) => r.finished_at !== null && r.finished_at !== undefined).map((r) => [r.migration_name, r]));
  const failed = live.filter((r) => r.finished_at === null || r.finished_at === undefined).map((r) => r.migration_name);
  return {
    provider,
    applied: files.filter((f) => done.has(f.name)).map((f) => f.name),
    pending: files.filter((f) => !done.has(f.name)).map((f) => f.name),
    failed,
    modified: files.filter((f) => done.has(f.name) && done.get(f.name)!.checksum !== f.checksum).map((f) => f.name),
  };
}
