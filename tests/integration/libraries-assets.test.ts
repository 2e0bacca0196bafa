import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import {
  createLibrary,
  createTemplate,
  databaseHealth,
  ensureDefaultLibrary,
  getAssetBytes,
  getAssetInfo,
  getAssetThumbnail,
  getLibrary,
  listLibraries,
  missingAssets,
  putAsset,
} from "@/lib/store";
import { database, setDatabase } from "@/lib/store/db";
import { readMigrations } from "@/lib/store/migrations";
import { captionDoc, fakeImage } from "./support/fixtures";
import { providers, withStoreDatabase } from "./support/databases";

async function appError(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe.each(providers)("libraries and assets on %s", (provider) => {
  withStoreDatabase(provider);

  it("reports a healthy, fully migrated database, and an unreachable one without throwing", async () => {
    const health = await databaseHealth();
    expect(health).toEqual({ provider, reachable: true, migrations: { applied: readMigrations(provider).map((m) => m.name), pending: [] } });

    const current = database().url;
    const saved = process.env.DATABASE_URL;
    // A file where a directory should be (SQLite), a closed port (PostgreSQL); opened lazily from DATABASE_URL.
    const blocker = path.join(os.tmpdir(), `flamingo-not-a-dir-${process.pid}`);
    fs.writeFileSync(blocker, "");
    try {
      process.env.DATABASE_URL = provider === "sqlite" ? `file:${blocker}/sub/x.db` : "postgresql://nobody:secret@127.0.0.1:1/none";
      await setDatabase(undefined);
      const down = await databaseHealth();
      expect(down).toMatchObject({ provider, reachable: false, migrations: { applied: [], pending: [] } });
      expect(down.error).toEqual(expect.any(String));
      expect(down.error).not.toContain("secret");
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
      fs.rmSync(blocker, { force: true });
      await setDatabase(current);
    }
  });

  it("creates, lists and gets libraries; duplicate names conflict", async () => {
    const lib = await createLibrary({ name: "  Research  ", description: "papers" });
    expect(lib).toMatchObject({ name: "Research", description: "papers", kind: "user", templateCount: 0 });
    await createLibrary({ name: "Examples", kind: "examples" });
    await createLibrary({ name: "alpha" });
    await createLibrary({ name: "Zeta" });
    await createTemplate({ libraryId: lib.id, document: captionDoc("One") });
    expect(await getLibrary(lib.id)).toMatchObject({ templateCount: 1 });
    const all = await listLibraries();
    // Case-insensitive name order, identical on both providers whatever their collation.
    expect(all.map((l) => [l.name, l.kind])).toEqual([
      ["alpha", "user"],
      ["Research", "user"],
      ["Zeta", "user"],
      ["Examples", "examples"],
    ]);
    const dup = await appError(createLibrary({ name: "Research" }));
    expect(dup.code).toBe("conflict");
    expect(dup.message).toContain('A library named "Research" already exists');
    expect((await appError(createLibrary({ name: "   " }))).code).toBe("validation_failed");
    expect((await appError(getLibrary("nope"))).code).toBe("not_found");
  });

  it("ensureDefaultLibrary is idempotent, also when called concurrently", async () => {
    const [a, b] = await Promise.all([ensureDefaultLibrary(), ensureDefaultLibrary()]);
    const c = await ensureDefaultLibrary();
    expect(a.id).toBe(b.id);
    expect(c.id).toBe(a.id);
    expect(c).toMatchObject({ name: "My library", kind: "user" });
    expect((await listLibraries()).filter((l) => l.name === "My library")).toHaveLength(1);
  });

  it("stores an image once per content hash and serves bytes and thumbnail", async () => {
    const img = fakeImage("cat");
    const first = await putAsset(img);
    expect(first.created).toBe(true);
    expect(first.asset).toEqual({ id: img.id, mediaType: "image/png", width: 4, height: 3, byteSize: img.bytes.byteLength, createdAt: expect.any(String) });
    const again = await putAsset({ ...img, thumbnail: new Uint8Array([9]) });
    expect(again).toEqual({ asset: first.asset, created: false });
    const concurrent = await Promise.all([putAsset(fakeImage("dog")), putAsset(fakeImage("dog"))]);
    expect(concurrent.filter((r) => r.created)).toHaveLength(1);

    expect(await getAssetInfo(img.id)).toEqual(first.asset);
    const { info, bytes } = await getAssetBytes(img.id);
    expect(info).toEqual(first.asset);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes).equals(Buffer.from(img.bytes))).toBe(true);
    expect(Buffer.from(await getAssetThumbnail(img.id)).equals(Buffer.from(img.thumbnail))).toBe(true);

    const other = fakeImage("missing");
    expect(await missingAssets([img.id, other.id, other.id])).toEqual([other.id]);
    expect(await missingAssets([])).toEqual([]);
  });

  it("refuses asset rows that do not match their id, and unknown ids", async () => {
    const img = fakeImage("x");
    expect((await appError(putAsset({ ...img, id: fakeImage("y").id }))).code).toBe("unprocessable");
    expect((await appError(putAsset({ ...img, id: "NOT-A-HASH" }))).code).toBe("validation_failed");
    expect((await appError(putAsset({ ...img, width: 0 }))).code).toBe("validation_failed");
    for (const get of [getAssetInfo, getAssetBytes, getAssetThumbnail]) {
      expect((await appError(get(img.id))).code).toBe("not_found");
    }
  });
});
