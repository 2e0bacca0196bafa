// Checks that Prisma's own engine accepts a database's migration history as
// written by lib/store/migrate.ts: diagnoseMigrationHistory must report no
// edited/failed migrations, and applyMigrations (what `prisma migrate deploy`
// runs) must find nothing to apply. Same setup as diff-migration.mjs:
//
//   SCHEMA_ENGINE_WASM=/tmp/sew/node_modules/@prisma/schema-engine-wasm \
//   node --experimental-wasm-modules prisma/tools/check-history.mjs <sqlite|postgres> <url>
import fs from "node:fs";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

const [provider, url] = process.argv.slice(2);
const { SchemaEngine } = await import(path.join(process.env.SCHEMA_ENGINE_WASM ?? "", "schema_engine.js"));
const schemaPath = `prisma/${provider}/schema.prisma`;
const factory =
  provider === "sqlite"
    ? new (await import("@prisma/adapter-better-sqlite3")).PrismaBetterSqlite3({ url })
    : new (await import("@prisma/adapter-pg")).PrismaPg({ connectionString: url });
const engine = await SchemaEngine.new({ datamodels: [[schemaPath, fs.readFileSync(schemaPath, "utf8")]] }, () => {}, bindMigrationAwareSqlAdapterFactory(factory));

const baseDir = path.resolve(`prisma/${provider}/migrations`);
const migrationsList = {
  baseDir,
  lockfile: { path: "migration_lock.toml", content: fs.readFileSync(path.join(baseDir, "migration_lock.toml"), "utf8") },
  shadowDbInitScript: "",
  migrationDirectories: fs
    .readdirSync(baseDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({ path: name, migrationFile: { path: "migration.sql", content: { tag: "ok", value: fs.readFileSync(path.join(baseDir, name, "migration.sql"), "utf8") } } })),
};
const filters = { externalTables: [], externalEnums: [] };
const diag = await engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters });
console.log("diagnoseMigrationHistory:", JSON.stringify(diag));
const applied = await engine.applyMigrations({ migrationsList, filters });
console.log("applyMigrations:", JSON.stringify(applied));
const ok = diag.editedMigrationNames.length === 0 && diag.failedMigrationNames.length === 0 && diag.history === null && applied.appliedMigrationNames.length === 0;
console.log(ok ? "OK: Prisma accepts this history" : "NOT OK");
process.exit(ok ? 0 : 1);
