// Writes the SQL a new migration needs, without Prisma's native schema engine
// (which cannot be downloaded offline), using the wasm engine instead:
//
//   mkdir -p /tmp/sew && (cd /tmp/sew && npm i --save-exact @prisma/schema-engine-wasm@7.10.0-4.0edf323efd1d98336f3f0a68684b56f689b900d3)
//   SCHEMA_ENGINE_WASM=/tmp/sew/node_modules/@prisma/schema-engine-wasm \
//   PG_URL=postgresql://postgres@127.0.0.1:5432/postgres \
//   node --experimental-wasm-modules prisma/tools/diff-migration.mjs <sqlite|postgres> [--from-schema old.prisma]
//
// The package is an internal Prisma API pinned to the engine of prisma 7.10,
// so it is not a project dependency. The postgres diff needs a reachable
// server (any database) even from an empty schema. Without --from-schema it
// diffs empty -> schema (an init migration); with it, old schema -> schema.
// Save the output as prisma/<provider>/migrations/<yyyymmddhhmmss>_<name>/migration.sql.
import fs from "node:fs";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

const provider = process.argv[2];
if (provider !== "sqlite" && provider !== "postgres") throw new Error("usage: diff-migration.mjs <sqlite|postgres>");
const { SchemaEngine } = await import(path.join(process.env.SCHEMA_ENGINE_WASM ?? "", "schema_engine.js"));
const schemaPath = `prisma/${provider}/schema.prisma`;
const content = fs.readFileSync(schemaPath, "utf8");

let factory;
if (provider === "sqlite") {
  const { PrismaBetterSqlite3 } = await import("@prisma/adapter-better-sqlite3");
  factory = new PrismaBetterSqlite3({ url: ":memory:" });
} else {
  const { PrismaPg } = await import("@prisma/adapter-pg");
  factory = new PrismaPg({ connectionString: process.env.PG_URL });
}
// The engine calls the factory's methods detached and expects Result-wrapped
// answers: the binding from driver-adapter-utils provides both.
const engine = await SchemaEngine.new({ datamodels: [[schemaPath, content]] }, () => {}, bindMigrationAwareSqlAdapterFactory(factory));

// A later migration: diff the previous schema (e.g. `git show HEAD:prisma/sqlite/schema.prisma > /tmp/old.prisma`).
const fromIdx = process.argv.indexOf("--from-schema");
const from =
  fromIdx > 0
    ? { tag: "schemaDatamodel", files: [{ path: schemaPath, content: fs.readFileSync(process.argv[fromIdx + 1], "utf8") }] }
    : { tag: "empty" };
const res = await engine.diff({
  from,
  to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content }] },
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
process.stdout.write(res.stdout ?? "");
