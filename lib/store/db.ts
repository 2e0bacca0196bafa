/**
 * The one module that imports the generated Prisma clients. Everything else in
 * lib/store goes through `db()` (the process-wide client) or `openDatabase()`
 * (an explicit URL, for tests and scripts).
 *
 * DATABASE_URL picks the provider:
 *   file:./data/studio.db (default; relative to the working directory) -> SQLite via better-sqlite3
 *   postgres:// or postgresql://                                        -> PostgreSQL via pg
 */
import "server-only";
import fs from "node:fs";
import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "@/lib/generated/sqlite/client";
import { PrismaClient as PostgresClient } from "@/lib/generated/postgres/client";

export type Provider = "sqlite" | "postgres";

/**
 * The store is typed against the SQLite client. Both clients are generated
 * from the same models, so their model APIs (findMany, create, $transaction…)
 * are identical; only the provider-bound internals differ, which is why the
 * PostgreSQL client is cast to this type once, in `openDatabase`.
 */
export type Db = InstanceType<typeof SqliteClient>;
/** A client inside `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

export interface Database {
  provider: Provider;
  /** Normalised URL: an absolute `file:` path for SQLite. */
  url: string;
  client: Db;
  close(): Promise<void>;
}

export const DEFAULT_DATABASE_URL = "file:./data/studio.db";

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL?.trim();
  return url ? url : DEFAULT_DATABASE_URL;
}

export function providerOf(url: string): Provider {
  if (/^postgres(ql)?:\/\//i.test(url)) return "postgres";
  if (url.startsWith("file:")) return "sqlite";
  throw new Error(`DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL); got "${redact(url)}"`);
}

/** The SQLite file a `file:` URL points at, resolved against the working directory. */
export function sqlitePath(url: string): string {
  const p = url.replace(/^file:(\/\/)?/, "").replace(/\?.*$/, "");
  return path.resolve(/* turbopackIgnore: true */ process.cwd(), p);
}

/** Never print a password that was part of a URL. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}

export function openDatabase(url: string = databaseUrl()): Database {
  const provider = providerOf(url);
  if (provider === "sqlite") {
    const file = sqlitePath(url);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // timeout: wait for another process's write lock instead of failing at once.
    const client = new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: file, timeout: 10_000 }) });
    return { provider, url: `file:${file}`, client, close: () => client.$disconnect() };
  }
  const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
  return { provider, url, client, close: () => client.$disconnect() };
}

// Survives Next's dev hot reload, which re-evaluates modules but keeps globalThis.
const globalForDb = globalThis as typeof globalThis & { __flamingoDb?: Database };

/** The process-wide database for DATABASE_URL, opened on first use. */
export function database(): Database {
  globalForDb.__flamingoDb ??= openDatabase();
  return globalForDb.__flamingoDb;
}

export function db(): Db {
  return database().client;
}

/**
 * Point the process-wide database at another URL (tests), closing the old
 * client. Pass nothing to close it and fall back to DATABASE_URL on next use.
 */
export async function setDatabase(url?: string): Promise<Database | undefined> {
  const old = globalForDb.__flamingoDb;
  globalForDb.__flamingoDb = url === undefined ? undefined : openDatabase(url);
  await old?.close();
  return globalForDb.__flamingoDb;
}
