import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import Sqlite from "better-sqlite3";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, migrationStatus } from "@/lib/store/migrate";
import { readMigrations } from "@/lib/store/migrations";
import { sqlitePath } from "@/lib/store/db";
import { createTestDatabase, providers, type TestDatabase } from "./support/databases";

async function historyRows(db: TestDatabase): Promise<Record<string, unknown>[]> {
  const sql = `SELECT * FROM "_prisma_migrations" ORDER BY "migration_name"`;
  if (db.provider === "sqlite") {
    const conn = new Sqlite(sqlitePath(db.url), { readonly: true });
    try {
      return conn.prepare(sql).all() as Record<string, unknown>[];
    } finally {
      conn.close();
    }
  }
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

async function tables(db: TestDatabase): Promise<string[]> {
  if (db.provider === "sqlite") {
    const conn = new Sqlite(sqlitePath(db.url), { readonly: true });
    try {
      return (conn.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
    } finally {
      conn.close();
    }
  }
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)).rows.map((r) => r.name);
  } finally {
    await c.end();
  }
}

/** Runs scripts/migrate.ts in its own process, as a second app instance would. */
function migrateInChild(url: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/migrate.ts", "--url", url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe.each(providers)("migrations on %s", (provider) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it("applies every committed migration once, recorded as Prisma records them", async () => {
    db = await createTestDatabase(provider);
    const files = readMigrations(provider);
    expect(files.length).toBeGreaterThan(0);
    expect((await migrationStatus(db.url)).pending).toEqual(files.map((f) => f.name));

    const first = await migrate(db.url);
    expect(first.applied).toEqual(files.map((f) => f.name));
    expect(await tables(db)).toEqual(expect.arrayContaining(["Asset", "Library", "Template", "TemplateVersion", "_prisma_migrations"]));

    const rows = await historyRows(db);
    expect(rows).toHaveLength(files.length);
    for (const [i, row] of rows.entries()) {
      const file = files[i]!;
      const bytes = fs.readFileSync(path.join("prisma", provider, "migrations", file.name, "migration.sql"));
      expect(row.migration_name).toBe(file.name);
      expect(row.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).not.toBeNull();
      expect(row.started_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    }

    const second = await migrate(db.url);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(files.map((f) => f.name));
    expect(await historyRows(db)).toEqual(rows);
    expect(await migrationStatus(db.url)).toMatchObject({ pending: [], failed: [], modified: [] });
  });

  it("is safe when two processes migrate the same fresh database at once", async () => {
    db = await createTestDatabase(provider);
    const results = await Promise.all([migrateInChild(db.url), migrateInChild(db.url)]);
    for (const r of results) expect(r.code, r.out).toBe(0);
    // Exactly one applied the migrations; the other waited for the lock and found them done.
    expect(results.filter((r) => /applied \d{14}_/.test(r.out))).toHaveLength(1);
    expect(results.filter((r) => r.out.includes("up to date"))).toHaveLength(1);
    expect((await historyRows(db)).map((r) => r.migration_name)).toEqual(readMigrations(provider).map((f) => f.name));
  });

  it("refuses to continue past a migration Prisma recorded as failed", async () => {
    db = await createTestDatabase(provider);
    await migrate(db.url);
    const last = readMigrations(provider).at(-1)!.name;
    const sql = `UPDATE "_prisma_migrations" SET "finished_at" = NULL WHERE "migration_name" = '${last}'`;
    if (provider === "sqlite") {
      const conn = new Sqlite(sqlitePath(db.url));
      conn.exec(sql);
      conn.close();
    } else {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(sql);
      await c.end();
    }
    expect((await migrationStatus(db.url)).failed).toEqual([last]);
    await expect(migrate(db.url)).rejects.toThrow(/never finished/);
  });
});
