/**
 * Apply the committed migrations without Prisma's native schema engine
 * (which cannot be downloaded offline): each pending migration.sql runs in a
 * transaction and is recorded in `_prisma_migrations` exactly as Prisma
 * records it, so a real `prisma migrate deploy` later accepts the history.
 *
 * Safe when two processes start at once: SQLite takes the write lock
 * (BEGIN IMMEDIATE) before reading the history; PostgreSQL takes the same
 * advisory lock Prisma's CLI uses.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import Sqlite from "better-sqlite3";
import pg from "pg";
import { databaseUrl, providerOf, redact, sqlitePath } from "./db";
import { compareWithHistory, readMigrations, type MigrationFile, type MigrationRow, type MigrationStatus } from "./migrations";
import fs from "node:fs";
import path from "node:path";

export type { MigrationStatus } from "./migrations";

export interface MigrateResult {
  provider: MigrationStatus["provider"];
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Already applied before this call. */
  alreadyApplied: string[];
}

/** Prisma's CLI locks migrations with this advisory lock key; sharing it keeps both from running at once. */
const PRISMA_ADVISORY_LOCK = 72707369;

const SQLITE_HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const POSTGRES_HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

const HISTORY_COLUMNS = `"id", "checksum", "migration_name", "finished_at", "rolled_back_at", "applied_steps_count"`;

export async function migrate(url: string = databaseUrl()): Promise<MigrateResult> {
  const provider = providerOf(url);
  const files = readMigrations(provider);
  return provider === "sqlite" ? migrateSqlite(url, files) : migratePostgres(url, files);
}

/** Which committed migrations the database has; never changes anything. */
export async function migrationStatus(url: string = databaseUrl()): Promise<MigrationStatus> {
  const provider = providerOf(url);
  const files = readMigrations(provider);
  if (provider === "sqlite") {
    const file = sqlitePath(url);
    if (!fs.existsSync(file)) return compareWithHistory(provider, files, []);
    const conn = new Sqlite(file, { readonly: true, timeout: 10_000 });
    try {
      return compareWithHistory(provider, files, sqliteHistory(conn));
    } finally {
      conn.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS "exists"`);
    const rows = exists.rows[0]?.exists ? (await client.query<MigrationRow>(`SELECT ${HISTORY_COLUMNS} FROM "_prisma_migrations"`)).rows : [];
    return compareWithHistory(provider, files, rows);
  } finally {
    await client.end();
  }
}

function sqliteHistory(conn: Sqlite.Database): MigrationRow[] {
  const table = conn.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
  return table ? (conn.prepare(`SELECT ${HISTORY_COLUMNS} FROM "_prisma_migrations"`).all() as MigrationRow[]) : [];
}

function refuseFailed(status: MigrationStatus): void {
  if (status.failed.length > 0) {
    throw new Error(
      `Migration ${status.failed.join(", ")} started but never finished; fix the database by hand, then mark it rolled back ` +
        `(prisma migrate resolve --rolled-back <name>) before starting again`,
    );
  }
}

/**
 * Switching a file to WAL needs a moment with no other writer, and SQLite answers SQLITE_BUSY at
 * once instead of waiting on the busy timeout — e.g. while another process starting at the same
 * time is migrating. So retry until `waitMs` has passed.
 */
function setWalMode(conn: Sqlite.Database, waitMs: number): void {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      conn.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

function migrateSqlite(url: string, files: MigrationFile[]): MigrateResult {
  const file = sqlitePath(url);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const conn = new Sqlite(file, { timeout: 15_000 });
  try {
    // WAL lets readers continue while the app writes; the setting is stored in the file.
    setWalMode(conn, 15_000);
    conn.exec("BEGIN IMMEDIATE");
    try {
      conn.exec(SQLITE_HISTORY_TABLE);
      const before = compareWithHistory("sqlite", files, sqliteHistory(conn));
      refuseFailed(before);
      const record = conn.prepare(
        `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at", "applied_steps_count")
         VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
      );
      const applied: string[] = [];
      for (const m of files.filter((f) => before.pending.includes(f.name))) {
        // Prisma's engine stores SQLite datetimes as Unix milliseconds.
        const startedAt = Date.now();
        try {
          conn.exec(m.sql);
        } catch (cause) {
          throw new Error(`Migration ${m.name} failed: ${(cause as Error).message}`, { cause });
        }
        record.run(randomUUID(), m.checksum, Date.now(), m.name, startedAt);
        applied.push(m.name);
      }
      conn.exec("COMMIT");
      return { provider: "sqlite", applied, alreadyApplied: before.applied };
    } catch (error) {
      if (conn.inTransaction) conn.exec("ROLLBACK");
      throw error;
    }
  } finally {
    conn.close();
  }
}

async function migratePostgres(url: string, files: MigrationFile[]): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (cause) {
    throw new Error(`Cannot reach PostgreSQL at ${redact(url)}: ${(cause as Error).message}`, { cause });
  }
  try {
    await client.query(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK})`);
    try {
      await client.query(POSTGRES_HISTORY_TABLE);
      const rows = (await client.query<MigrationRow>(`SELECT ${HISTORY_COLUMNS} FROM "_prisma_migrations"`)).rows;
      const before = compareWithHistory("postgres", files, rows);
      refuseFailed(before);
      const applied: string[] = [];
      // One transaction for all pending migrations: the schema moves from one committed state to the next, or not at all.
      await client.query("BEGIN");
      try {
        for (const m of files.filter((f) => before.pending.includes(f.name))) {
          const startedAt = new Date();
          try {
            await client.query(m.sql);
          } catch (cause) {
            throw new Error(`Migration ${m.name} failed: ${(cause as Error).message}`, { cause });
          }
          await client.query(
            `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at", "applied_steps_count")
             VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, $4, 1)`,
            [randomUUID(), m.checksum, m.name, startedAt],
          );
          applied.push(m.name);
        }
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
      return { provider: "postgres", applied, alreadyApplied: before.applied };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${PRISMA_ADVISORY_LOCK})`);
    }
  } finally {
    await client.end();
  }
}
