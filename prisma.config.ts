/**
 * Prisma CLI config. Two schemas (one per provider) share it; pick one with
 * `--schema prisma/<provider>/schema.prisma` (the npm scripts do).
 *
 * Offline machines cannot download Prisma's native schema engine, and every
 * CLI command tries to before doing anything. `generate`, `validate` and
 * `format` never run the engine, so pointing PRISMA_SCHEMA_ENGINE_BINARY at
 * any existing file (this one) lets them work. Migrations are applied by
 * lib/store/migrate.ts instead. Set PRISMA_NATIVE_ENGINE=1 on a machine with
 * the real engine to use `prisma migrate` commands.
 */
import { defineConfig } from "prisma/config";
import { fileURLToPath } from "node:url";

if (process.env.PRISMA_NATIVE_ENGINE !== "1") {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
}

export default defineConfig({
  schema: "prisma/sqlite/schema.prisma",
});
