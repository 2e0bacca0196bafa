/**
 * Server configuration from environment variables, validated once with zod.
 *
 * Add a field by adding it to EnvSchema with a default (the app must start
 * with no configuration at all) and a one-line comment. Read values through
 * `env()`; tests that need other values call `parseEnv({...})` directly.
 */
import "server-only";
import { z } from "zod";

/** Unset and empty variables both mean "use the default". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema);

const positiveNumber = (what: string) =>
  z.coerce.number({ error: `must be a number (${what})` }).positive(`must be greater than 0 (${what})`);

export const EnvSchema = z.object({
  /** Largest accepted image upload, in bytes. Default 10 MB. */
  ASSET_MAX_BYTES: optional(positiveNumber("bytes").int("must be a whole number of bytes").default(10 * 1024 * 1024)),
  /** Largest accepted image area, in megapixels (width × height / 1e6). Default 40. */
  ASSET_MAX_MEGAPIXELS: optional(positiveNumber("megapixels").default(40)),
});

export type Env = z.infer<typeof EnvSchema>;

/** Parse a set of variables; throws an Error naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  throw new Error(`Invalid environment configuration: ${problems}`);
}

let cached: Env | undefined;

/** The process's configuration, parsed on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
