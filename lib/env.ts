/**
 * Server configuration from environment variables, validated once with zod.
 *
 * Add a field by adding it to EnvSchema with a default (the app must start
 * with no configuration at all) and a one-line comment. Read values through
 * `env()`; tests that need other values call `parseEnv({...})` directly.
 */
import "server-only";
import { z } from "zod";
import { DEFAULT_MODEL_ID, DEFAULT_MODELS_DIR } from "@/lib/models/defaults";

/** Unset and empty variables both mean "use the default". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema);

/**
 * The bytes of a STUDIO_SECRET_KEY value: 64 hex characters, or 32 bytes as base64 (standard or URL-safe,
 * padding optional). Null when malformed. Never echo the value itself: it is the key to every stored secret.
 */
export function secretKeyBytes(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const bytes = Buffer.from(v.replaceAll("-", "+").replaceAll("_", "/"), "base64");
    return bytes.length === 32 ? bytes : null;
  }
  return null;
}

/** A comma-separated list (blanks and empty items dropped), each item checked by `item`. */
const commaList = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter((s) => s !== "") : v),
    z.array(item),
  );

/** `scheme://host[:port]` and nothing else, normalised as browsers send it in `Origin` (lowercase, no default port). */
const originString = z.string().transform((v, ctx) => {
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    // reported below
  }
  if (u && (u.protocol === "http:" || u.protocol === "https:") && u.pathname === "/" && !u.search && !u.hash && !u.username && !u.password) return u.origin;
  ctx.addIssue({ code: "custom", message: `"${v}" is not an origin: write scheme://host[:port], e.g. https://studio.example.com` });
  return z.NEVER;
});

/** `host[:port]` as it appears in a Host header: a DNS name, IPv4, or [IPv6]. Lowercased. */
const hostString = z
  .string()
  .transform((v) => v.toLowerCase())
  .refine((v) => /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/.test(v), {
    message: "must be host or host:port (no scheme, no path), e.g. studio.example.com or localhost:3000",
  });

const positiveNumber = (what: string) =>
  z.coerce.number({ error: `must be a number (${what})` }).positive(`must be greater than 0 (${what})`);

export const EnvSchema = z.object({
  /** Largest accepted image upload, in bytes. Default 10 MB. */
  ASSET_MAX_BYTES: optional(positiveNumber("bytes").int("must be a whole number of bytes").default(10 * 1024 * 1024)),
  /** Largest accepted image area, in megapixels (width × height / 1e6). Default 40. */
  ASSET_MAX_MEGAPIXELS: optional(positiveNumber("megapixels").default(40)),
  /** Key that encrypts engine secrets at rest: 32 bytes as base64, or 64 hex characters (`openssl rand -base64 32`). Unset: local mode keeps a generated key in STUDIO_DATA_DIR/secret.key; shared deployments refuse to store secrets. */
  STUDIO_SECRET_KEY: optional(
    z
      .string()
      .refine((v) => secretKeyBytes(v) !== null, "must be 32 bytes as base64 or 64 hex characters (e.g. the output of `openssl rand -base64 32`)")
      .optional(),
  ),
  /** Folder for the server's local files (the generated secret.key). Default data/ (relative to the working directory). */
  STUDIO_DATA_DIR: optional(z.string().default("data")),
  /** "required": a shared deployment (callers must sign in; sessions and engine secrets need STUDIO_SECRET_KEY). Default "optional": local single-user mode, unless the database is PostgreSQL or STUDIO_HOST is not a loopback address (both mean shared; lib/auth/mode.ts). */
  STUDIO_AUTH: optional(z.enum(["optional", "required"], { error: 'must be "optional" or "required"' }).default("optional")),
  /** The address the server listens on (scripts/start.sh passes it to `next start -H`). Default 127.0.0.1: only this machine. Any other address (0.0.0.0, a LAN address) makes the deployment shared: sign-in required. */
  STUDIO_HOST: optional(z.string().trim().default("127.0.0.1")),
  /** "true": anyone who can reach a shared deployment may create an account (and gets a workspace of their own). Default false: the first account becomes owner, later ones join by invitation. */
  STUDIO_OPEN_SIGNUP: optional(z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("false").transform((v) => v === "true")),
  /** "false" switches share links off for the whole deployment (existing links stop working; none can be made). Default true. */
  STUDIO_SHARE_LINKS: optional(z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("true").transform((v) => v === "true")),
  /** OpenID Connect sign-in: the provider's issuer URL (its /.well-known/openid-configuration is read), with the client id and secret below. Unset: e-mail and password only. */
  STUDIO_OIDC_ISSUER: optional(z.url({ protocol: /^https?$/, error: "must be the provider's issuer URL, e.g. https://accounts.example.com" }).optional()),
  STUDIO_OIDC_CLIENT_ID: optional(z.string().optional()),
  STUDIO_OIDC_CLIENT_SECRET: optional(z.string().optional()),
  /** The sign-in button's label for the OpenID provider. Default "Single sign-on". */
  STUDIO_OIDC_NAME: optional(z.string().trim().max(40).default("Single sign-on")),
  /** The address users open the studio at (e.g. https://studio.example.com). Its host joins STUDIO_ALLOWED_HOSTS and its origin STUDIO_ALLOWED_ORIGINS. Unset: local mode (no Host check). */
  STUDIO_PUBLIC_URL: optional(
    z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://studio.example.com" })
      .transform((v) => new URL(v))
      .optional(),
  ),
  /** Comma-separated host[:port] names this deployment answers to; any other Host header is refused (421) before anything else (DNS rebinding). A name without a port matches any port. Unset (and no STUDIO_PUBLIC_URL): no Host check. */
  STUDIO_ALLOWED_HOSTS: optional(commaList(hostString).default([])),
  /** Comma-separated origins (scheme://host[:port]) besides the studio's own that may send writes (POST/PUT/PATCH/DELETE) from a browser. Default: none. */
  STUDIO_ALLOWED_ORIGINS: optional(commaList(originString).default([])),
  /** Remote engines declared by the deployment (read-only in the app): a JSON array of { name, baseUrl, model, apiKey? | apiKeyEnv?, headers?, ... }. */
  STUDIO_ENGINES: optional(z.string().optional()),
  /** Path to a JSON file holding the same array as STUDIO_ENGINES (both may be set: their engines are combined). */
  STUDIO_ENGINES_FILE: optional(z.string().optional()),
  /** Folder of the bundled model packages (`<id>/manifest.json` inside), relative to the working directory or absolute. Default public/models (also served to the browser as /models; another folder is read by the server only). */
  FLAMINGO_MODELS_DIR: optional(z.string().trim().default(DEFAULT_MODELS_DIR)),
  /** The model the server runs when a caller names none (GET /api/runs, the CLIs' --model). Default flamingo-mini; the browser and the request schemas use lib/models/defaults.ts. */
  FLAMINGO_DEFAULT_MODEL: optional(z.string().trim().min(1).max(64).default(DEFAULT_MODEL_ID)),
  /** Most prompt tokens a bundled model on this server reads (checked right after tokenizing, before any model work; 413 past it). The model's own context (prompt + max tokens) applies too: flamingo-mini reads 512. Default 1024. */
  FLAMINGO_MAX_PROMPT_TOKENS: optional(positiveNumber("tokens").int("must be a whole number of tokens").default(1024)),
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

/** Forget the parsed configuration so the next `env()` reads process.env again (tests that change variables). */
export function resetEnv(): void {
  cached = undefined;
}
