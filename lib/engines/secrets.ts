/**
 * Engine secrets (API keys, header values) encrypted at rest: AES-256-GCM, a random 96-bit IV per
 * value, stored as `v1:<iv>:<tag>:<ciphertext>` (each base64). The caller passes a context string
 * (e.g. `engine:<id>:apiKey`) that is authenticated with the value, so a ciphertext copied to another
 * row or field does not decrypt.
 *
 * The key:
 * - STUDIO_SECRET_KEY (32 bytes as base64, or 64 hex characters) when set;
 * - otherwise, in a local studio, a key generated once into STUDIO_DATA_DIR/secret.key (mode 0600,
 *   created atomically: two processes starting at once end up with the same key);
 * - otherwise (a shared deployment: PostgreSQL, or STUDIO_AUTH=required) none: storing a secret is
 *   refused with a 4xx naming STUDIO_SECRET_KEY; engines without secrets still work.
 *
 * Nothing here logs or returns a secret, a key or a ciphertext in an error message.
 */
import "server-only";
import { isSharedDeployment } from "@/lib/auth/mode";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env, secretKeyBytes } from "@/lib/env";
import { AppError } from "@/lib/errors";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_FILE = "secret.key";

export interface SecretsConfig {
  /** STUDIO_SECRET_KEY as given (validated by lib/env.ts; checked again here). */
  secretKey?: string | undefined;
  /** STUDIO_DATA_DIR, resolved against the working directory. */
  dataDir: string;
  /** A shared deployment never generates a key file: it needs STUDIO_SECRET_KEY to store secrets. */
  shared: boolean;
}

/** Where the key comes from: the environment, the local key file, or nowhere (shared, unset). */
export type SecretKeySource = "env" | "file" | "none";

export interface SecretBox {
  readonly source: SecretKeySource;
  /** Whether `encrypt` can work (false only in a shared deployment without STUDIO_SECRET_KEY). */
  canEncrypt(): boolean;
  /** Encrypt `plain` bound to `context`; generates the local key file on first use. */
  encrypt(plain: string, context: string): string;
  /**
   * Decrypt a stored value. `what` names it in the error ("the engine's API key"): a value from
   * another key, a tampered one or a malformed one fails with a 422 that says to enter it again.
   */
  decrypt(stored: string, context: string, what: string): string;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The refusal of a shared deployment without a key (also used by the registry before it stores anything). */
export function missingKeyError(): AppError {
  return new AppError(
    "unprocessable",
    "This server cannot store an API key or header values without STUDIO_SECRET_KEY: set STUDIO_SECRET_KEY (32 bytes as base64 or 64 hex characters, e.g. `openssl rand -base64 32`) and restart. Engines without secrets can still be saved.",
  );
}

export function createSecretBox(config: SecretsConfig): SecretBox {
  const keyFile = path.join(config.dataDir, SECRET_KEY_FILE);
  let key: Buffer | undefined;
  let source: SecretKeySource;
  if (config.secretKey !== undefined && config.secretKey.trim() !== "") {
    const bytes = secretKeyBytes(config.secretKey);
    if (!bytes) throw new AppError("unavailable", "STUDIO_SECRET_KEY must be 32 bytes as base64 or 64 hex characters (e.g. the output of `openssl rand -base64 32`).");
    key = bytes;
    source = "env";
  } else {
    source = config.shared ? "none" : "file";
  }

  /** The key; `create` makes the local key file when there is none (encrypting), otherwise null. */
  const loadKey = (create: boolean): Buffer | null => {
    if (key) return key;
    if (source !== "file") return null;
    const found = readKeyFile(keyFile) ?? (create ? createKeyFile(keyFile) : null);
    if (found) key = found;
    return found;
  };

  const undecryptable = (what: string) => {
    const where =
      source === "env"
        ? "with this STUDIO_SECRET_KEY"
        : source === "file"
          ? `with this server's key (${keyFile}; STUDIO_SECRET_KEY is not set)`
          : "because STUDIO_SECRET_KEY is not set (set it to the key the engine was saved with)";
    return new AppError("unprocessable", `${capitalised(what)} cannot be decrypted ${where}; enter it again.`);
  };

  return {
    source,
    canEncrypt: () => source !== "none",
    encrypt(plain: string, context: string): string {
      const k = loadKey(true);
      if (!k) throw missingKeyError();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", k, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [VERSION, iv.toString("base64"), cipher.getAuthTag().toString("base64"), ciphertext.toString("base64")].join(":");
    },
    decrypt(stored: string, context: string, what: string): string {
      const parts = stored.split(":");
      if (parts.length !== 4 || parts[0] !== VERSION) throw undecryptable(what);
      const [, ivText, tagText, ctText] = parts as [string, string, string, string];
      const iv = Buffer.from(ivText, "base64");
      const tag = Buffer.from(tagText, "base64");
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw undecryptable(what);
      const k = loadKey(false);
      if (!k) throw undecryptable(what);
      try {
        const decipher = createDecipheriv("aes-256-gcm", k, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(ctText, "base64")), decipher.final()]).toString("utf8");
      } catch {
        // Wrong key, tampered value or context: GCM cannot tell them apart, and neither can we.
        throw undecryptable(what);
      }
    },
  };
}

/** The key file's key; null when there is none. A file that holds no valid key is a clear error (never its content). */
function readKeyFile(file: string): Buffer | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new AppError("unavailable", `The secret key file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); fix its permissions or set STUDIO_SECRET_KEY.`);
  }
  const bytes = secretKeyBytes(text);
  if (!bytes) {
    throw new AppError(
      "unavailable",
      `The secret key file ${file} does not hold a valid key (32 bytes as base64 or 64 hex characters): restore it, or remove it to generate a new one (stored engine keys then need entering again).`,
    );
  }
  return bytes;
}

/**
 * Generate the key file atomically: the key is written and synced to a private temporary file, then
 * hard-linked into place, which fails if another process got there first (whose key then wins:
 * everyone reads the file back). Where hard links are unsupported, an exclusive create is the fallback.
 */
function createKeyFile(file: string): Buffer {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const content = `${randomBytes(32).toString("base64")}\n`;
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const write = (target: string) => {
    const fd = fs.openSync(target, "wx", 0o600);
    try {
      fs.fchmodSync(fd, 0o600);
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  write(tmp);
  try {
    fs.linkSync(tmp, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EEXIST") {
      try {
        write(file);
      } catch (inner) {
        if ((inner as NodeJS.ErrnoException).code !== "EEXIST") throw inner;
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const key = readKeyFile(file);
  if (!key) throw new AppError("unavailable", `The secret key file ${file} could not be created.`);
  return key;
}

/** Shared deployments never generate a key file (lib/auth/mode.ts decides which deployments are shared). */
export { isSharedDeployment };

let box: SecretBox | undefined;

/** The process's secret box, from the environment (a malformed STUDIO_SECRET_KEY is a 503 naming the variable). */
export function secrets(): SecretBox {
  if (box) return box;
  let e;
  try {
    e = env();
  } catch (error) {
    // lib/env.ts names the variables and the problems, never their values.
    throw new AppError("unavailable", error instanceof Error ? error.message : "Invalid environment configuration.");
  }
  box = createSecretBox({
    secretKey: e.STUDIO_SECRET_KEY,
    dataDir: path.resolve(/* turbopackIgnore: true */ process.cwd(), e.STUDIO_DATA_DIR),
    shared: isSharedDeployment(),
  });
  return box;
}

/** Forget the process's box (tests that change the environment; call lib/env.ts `resetEnv()` too). */
export function resetSecrets(): void {
  box = undefined;
}
