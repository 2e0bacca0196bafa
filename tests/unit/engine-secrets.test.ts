/**
 * Engine secrets at rest (lib/engines/secrets.ts): AES-256-GCM round trips, tampering and a wrong key
 * detected with a message that says what to do, the local key file generated once (0600, one key
 * even when several processes race for it), a shared deployment without STUDIO_SECRET_KEY refusing
 * to store a secret, and a malformed key named without being echoed.
 */
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSecretBox, isSharedDeployment, resetSecrets, secrets, SECRET_KEY_FILE } from "@/lib/engines/secrets";
import { parseEnv, resetEnv, secretKeyBytes } from "@/lib/env";
import { AppError } from "@/lib/errors";

const KEY_HEX = randomBytes(32).toString("hex");
const OTHER_KEY = randomBytes(32).toString("base64");
const SECRET = "sk-live-0123456789abcdef-Ünïcode";
const CONTEXT = "engine:e1:apiKey";
const WHAT = "the engine's API key";

let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "flamingo-secrets-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected an error");
}

describe("secret box", () => {
  it("round-trips with a fresh IV per value, stored as v1:<iv>:<tag>:<ciphertext>", () => {
    const box = createSecretBox({ secretKey: KEY_HEX, dataDir: dir, shared: false });
    expect(box.source).toBe("env");
    const a = box.encrypt(SECRET, CONTEXT);
    const b = box.encrypt(SECRET, CONTEXT);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(SECRET);
    expect(Buffer.from(a.split(":")[3]!, "base64").toString("utf8")).not.toContain("sk-live");
    expect(box.decrypt(a, CONTEXT, WHAT)).toBe(SECRET);
    expect(box.decrypt(b, CONTEXT, WHAT)).toBe(SECRET);
    expect(box.decrypt(box.encrypt("", CONTEXT), CONTEXT, WHAT)).toBe("");
    // The same key as base64 decrypts it too; no key file is involved.
    const asBase64 = createSecretBox({ secretKey: Buffer.from(KEY_HEX, "hex").toString("base64"), dataDir: dir, shared: true });
    expect(asBase64.decrypt(a, CONTEXT, WHAT)).toBe(SECRET);
    expect(fs.existsSync(path.join(dir, SECRET_KEY_FILE))).toBe(false);
  });

  it("detects tampering with the ciphertext, the tag, the IV or the context", () => {
    const box = createSecretBox({ secretKey: KEY_HEX, dataDir: dir, shared: false });
    const stored = box.encrypt(SECRET, CONTEXT);
    const [v, iv, tag, ct] = stored.split(":") as [string, string, string, string];
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, "base64");
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString("base64");
    };
    for (const bad of [
      [v, iv, tag, flip(ct)].join(":"),
      [v, iv, flip(tag), ct].join(":"),
      [v, flip(iv), tag, ct].join(":"),
      [v, iv, tag].join(":"),
      ["v2", iv, tag, ct].join(":"),
      "not encrypted at all",
    ]) {
      const e = thrown(() => box.decrypt(bad, CONTEXT, WHAT));
      expect(e.status).toBe(422);
      expect(e.message).toMatch(/cannot be decrypted/);
    }
    // Copied to another engine or field: the context is authenticated.
    expect(thrown(() => box.decrypt(stored, "engine:e2:apiKey", WHAT)).message).toMatch(/cannot be decrypted/);
  });

  it("says a value from another key cannot be decrypted with this STUDIO_SECRET_KEY, without echoing anything", () => {
    const stored = createSecretBox({ secretKey: KEY_HEX, dataDir: dir, shared: false }).encrypt(SECRET, CONTEXT);
    const other = createSecretBox({ secretKey: OTHER_KEY, dataDir: dir, shared: false });
    const e = thrown(() => other.decrypt(stored, CONTEXT, WHAT));
    expect(e.status).toBe(422);
    expect(e.message).toBe("The engine's API key cannot be decrypted with this STUDIO_SECRET_KEY; enter it again.");
    for (const leak of [SECRET, KEY_HEX, OTHER_KEY, stored]) expect(JSON.stringify(e.toJSON())).not.toContain(leak);
  });

  it("generates the local key file once, mode 0600, on the first encryption only", () => {
    const file = path.join(dir, "nested", SECRET_KEY_FILE);
    const box = createSecretBox({ dataDir: path.dirname(file), shared: false });
    expect(box.source).toBe("file");
    // Decrypting never creates a key: there is nothing it could decrypt.
    expect(thrown(() => box.decrypt("v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==:AAAA", CONTEXT, WHAT)).message).toMatch(/cannot be decrypted with this server's key/);
    expect(fs.existsSync(file)).toBe(false);

    const stored = box.encrypt(SECRET, CONTEXT);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const content = fs.readFileSync(file, "utf8");
    expect(secretKeyBytes(content)?.length).toBe(32);
    expect(fs.readdirSync(path.dirname(file))).toEqual([SECRET_KEY_FILE]);

    // Another process (a new box) reuses the file and never rewrites it.
    const again = createSecretBox({ dataDir: path.dirname(file), shared: false });
    expect(again.decrypt(stored, CONTEXT, WHAT)).toBe(SECRET);
    again.encrypt("more", CONTEXT);
    expect(fs.readFileSync(file, "utf8")).toBe(content);

    // A damaged file is an error naming the file, never its content.
    fs.writeFileSync(file, "garbage-key-material\n");
    const e = thrown(() => createSecretBox({ dataDir: path.dirname(file), shared: false }).encrypt("x", CONTEXT));
    expect(e.message).toContain(file);
    expect(e.message).not.toContain("garbage-key-material");
  });

  it("ends up with one key when several processes create the key file at once", async () => {
    const script = `
      import { createSecretBox } from "@/lib/engines/secrets";
      const box = createSecretBox({ dataDir: process.argv[2], shared: false });
      process.stdout.write(box.encrypt("from-" + process.pid, "race"));
    `;
    const scriptFile = path.join(dir, "race.ts");
    fs.writeFileSync(scriptFile, script);
    const keyDir = path.join(dir, "data");
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", scriptFile, keyDir], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`child failed (${code}): ${err}`))));
      });
    const outputs = await Promise.all([run(), run(), run(), run()]);
    const box = createSecretBox({ dataDir: keyDir, shared: false });
    for (const stored of outputs) expect(box.decrypt(stored, "race", "value")).toMatch(/^from-\d+$/);
    expect(fs.readdirSync(keyDir)).toEqual([SECRET_KEY_FILE]);
  }, 60_000);

  it("refuses to store a secret in a shared deployment without STUDIO_SECRET_KEY (4xx naming it), and writes no key file", () => {
    const box = createSecretBox({ dataDir: dir, shared: true });
    expect(box.source).toBe("none");
    expect(box.canEncrypt()).toBe(false);
    const e = thrown(() => box.encrypt(SECRET, CONTEXT));
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(500);
    expect(e.message).toMatch(/set STUDIO_SECRET_KEY/);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(thrown(() => box.decrypt("v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==:AAAA", CONTEXT, WHAT)).message).toMatch(/STUDIO_SECRET_KEY is not set/);
    // With the key, a shared deployment stores secrets.
    expect(createSecretBox({ secretKey: KEY_HEX, dataDir: dir, shared: true }).canEncrypt()).toBe(true);
  });
});

describe("STUDIO_SECRET_KEY and the other registry variables", () => {
  it("accepts 64 hex characters or 32 bytes as base64 (standard or URL-safe, padded or not)", () => {
    const bytes = randomBytes(32);
    for (const text of [bytes.toString("hex"), bytes.toString("hex").toUpperCase(), bytes.toString("base64"), bytes.toString("base64url"), bytes.toString("base64").replace(/=+$/, ""), ` ${bytes.toString("base64")}\n`]) {
      expect(secretKeyBytes(text)?.equals(bytes)).toBe(true);
    }
    for (const text of ["", "short", bytes.toString("hex").slice(2), randomBytes(31).toString("base64"), randomBytes(48).toString("base64"), `${bytes.toString("hex").slice(1)}g`]) {
      expect(secretKeyBytes(text)).toBeNull();
    }
  });

  it("names a malformed key without echoing it, and defaults the rest", () => {
    const bad = "my-precious-but-malformed-secret";
    let message = "";
    try {
      parseEnv({ STUDIO_SECRET_KEY: bad });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/STUDIO_SECRET_KEY: must be 32 bytes as base64 or 64 hex characters/);
    expect(message).not.toContain(bad);
    expect(() => createSecretBox({ secretKey: bad, dataDir: dir, shared: false })).toThrow(/STUDIO_SECRET_KEY must be 32 bytes/);

    const defaults = parseEnv({});
    expect(defaults).toMatchObject({ STUDIO_DATA_DIR: "data", STUDIO_AUTH: "optional" });
    for (const n of ["STUDIO_SECRET_KEY", "STUDIO_ENGINES", "STUDIO_ENGINES_FILE"] as const) expect(defaults[n]).toBeUndefined();
    const blank = parseEnv({ STUDIO_SECRET_KEY: " ", STUDIO_AUTH: "" });
    expect(blank.STUDIO_SECRET_KEY).toBeUndefined();
    expect(blank.STUDIO_AUTH).toBe("optional");
    expect(parseEnv({ STUDIO_SECRET_KEY: KEY_HEX, STUDIO_AUTH: "required" })).toMatchObject({ STUDIO_SECRET_KEY: KEY_HEX, STUDIO_AUTH: "required" });
    expect(() => parseEnv({ STUDIO_AUTH: "yes" })).toThrow(/STUDIO_AUTH: must be "optional" or "required"/);
  });

  describe("the process-wide box", () => {
    const names = ["STUDIO_SECRET_KEY", "STUDIO_DATA_DIR", "STUDIO_AUTH", "DATABASE_URL"] as const;
    const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    const setEnv = (vars: Partial<Record<(typeof names)[number], string>>) => {
      for (const n of names) {
        if (vars[n] === undefined) delete process.env[n];
        else process.env[n] = vars[n];
      }
      resetEnv();
      resetSecrets();
    };
    afterEach(() => {
      for (const n of names) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
      resetEnv();
      resetSecrets();
    });

    it("is local (key file in STUDIO_DATA_DIR) by default, shared with PostgreSQL or STUDIO_AUTH=required", () => {
      setEnv({ STUDIO_DATA_DIR: dir });
      expect(isSharedDeployment()).toBe(false);
      expect(secrets().source).toBe("file");
      secrets().encrypt("x", CONTEXT);
      expect(fs.existsSync(path.join(dir, SECRET_KEY_FILE))).toBe(true);

      setEnv({ STUDIO_DATA_DIR: dir, DATABASE_URL: "postgresql://studio@db:5432/studio" });
      expect(isSharedDeployment()).toBe(true);
      expect(secrets().source).toBe("none");
      expect(() => secrets().encrypt("x", CONTEXT)).toThrow(/set STUDIO_SECRET_KEY/);

      setEnv({ STUDIO_DATA_DIR: dir, STUDIO_AUTH: "required" });
      expect(secrets().source).toBe("none");

      setEnv({ STUDIO_DATA_DIR: dir, STUDIO_AUTH: "required", STUDIO_SECRET_KEY: KEY_HEX });
      expect(secrets().source).toBe("env");
    });

    it("turns a malformed STUDIO_SECRET_KEY into a 503 naming the variable, not its value", () => {
      setEnv({ STUDIO_SECRET_KEY: "not-a-key-but-secret-anyway" });
      const e = thrown(() => secrets());
      expect(e.status).toBe(503);
      expect(e.message).toMatch(/STUDIO_SECRET_KEY/);
      expect(e.message).not.toContain("not-a-key-but-secret-anyway");
    });
  });
});
