/**
 * Per-test-file databases on both providers. `withStoreDatabase(provider)`
 * (call inside a describe) creates a fresh database, migrates it, points the
 * store's process-wide client at it, and removes it afterwards.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { setDatabase, type Provider } from "@/lib/store/db";
import { migrate } from "@/lib/store/migrate";

export const providers: Provider[] = ["sqlite", "postgres"];

export interface TestDatabase {
  provider: Provider;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** An empty database (no tables yet). */
export async function createTestDatabase(provider: Provider): Promise<TestDatabase> {
  const name = `flamingo_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  if (provider === "sqlite") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flamingo-sqlite-"));
    return { provider, url: `file:${path.join(dir, `${name}.db`)}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const adminUrl = inject("pgAdminUrl");
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    provider,
    url: withDatabase(adminUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A fresh migrated database as the store's current one, for the enclosing describe block. */
export function withStoreDatabase(provider: Provider): { readonly current: TestDatabase } {
  const holder: { current?: TestDatabase } = {};
  beforeAll(async () => {
    holder.current = await createTestDatabase(provider);
    await migrate(holder.current.url);
    await setDatabase(holder.current.url);
  });
  afterAll(async () => {
    await setDatabase(undefined);
    await holder.current?.drop();
  });
  return {
    get current() {
      if (!holder.current) throw new Error("test database not ready (use inside a test or hook)");
      return holder.current;
    },
  };
}
