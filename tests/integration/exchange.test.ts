import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import {
  createLibrary,
  createTemplate,
  exportLibrary,
  forkTemplate,
  importLibrary,
  listLibraries,
  listTemplates,
  putAsset,
  restoreTemplateVersion,
  saveTemplateVersion,
} from "@/lib/store";
import { setDatabase } from "@/lib/store/db";
import { migrate } from "@/lib/store/migrate";
import type { LibraryFile } from "@/lib/exchange/format";
import { captionDoc, fakeImage, readFakeImage } from "./support/fixtures";
import { createTestDatabase, providers, withStoreDatabase } from "./support/databases";
import { templateRowCounts } from "./support/row-counts";

async function appError(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

/** What must survive a round trip: everything but the export time. */
const comparable = (f: LibraryFile) => ({ ...f, exportedAt: undefined });

/** A library with history, images (one shared), a restore and a fork inside it. */
async function buildLibrary(name: string) {
  const lib = await createLibrary({ name, description: "for export" });
  const [a, b, c] = [fakeImage(`${name} a`), fakeImage(`${name} b`), fakeImage(`${name} c`)];
  for (const img of [a, b, c]) await putAsset(img);
  await putAsset(fakeImage("unrelated")); // not referenced: must not be exported
  const cap = await createTemplate({ libraryId: lib.id, document: captionDoc("Captions", { assetIds: [a.id] }), message: "first" });
  await saveTemplateVersion({ templateId: cap.id, document: captionDoc("Captions", { assetIds: [a.id, b.id], tags: ["x"] }), message: "two shots" });
  await restoreTemplateVersion(cap.id, 1);
  await createTemplate({ libraryId: lib.id, document: captionDoc("Another", { assetIds: [c.id, a.id] }) });
  await forkTemplate({ templateId: cap.id, libraryId: lib.id, name: "Captions fork" });
  return lib;
}

describe.each(providers)("library export/import on %s", (provider) => {
  withStoreDatabase(provider);

  it("exports templates with all versions and referenced images, in a deterministic order", async () => {
    const lib = await buildLibrary("Exported");
    const file = await exportLibrary(lib.id);
    expect(file).toMatchObject({ format: "flamingo-studio.library", formatVersion: 2, library: { name: "Exported", description: "for export" } });
    expect(file.templates.map((t) => t.name)).toEqual(["Another", "Captions", "Captions fork"]);
    expect(file.templates[1]!.versions.map((v) => [v.version, v.message])).toEqual([
      [1, "first"],
      [2, "two shots"],
      [3, "Restored version 1"],
    ]);
    expect(file.templates[2]!.forkedFrom).toEqual({ library: "Exported", template: "Captions", version: 3 });
    const ids = file.assets.map((a) => a.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toHaveLength(3);
    expect(comparable(await exportLibrary(lib.id))).toEqual(comparable(file));
  });

  it("round-trips: export, import into a fresh database, export again gives the same file", async () => {
    const lib = await buildLibrary("Round trip");
    const file = JSON.parse(JSON.stringify(await exportLibrary(lib.id))) as LibraryFile;

    const fresh = await createTestDatabase(provider);
    const original = await import("@/lib/store/db").then((m) => m.database().url);
    try {
      await migrate(fresh.url);
      await setDatabase(fresh.url);
      const imported = await importLibrary(file, { readImage: readFakeImage });
      expect(imported).toMatchObject({ name: "Round trip", templateCount: 3, kind: "user" });
      const again = await exportLibrary(imported.id);
      expect(comparable(again)).toEqual(comparable(file));
      const fork = (await listTemplates({ libraryId: imported.id })).find((t) => t.name === "Captions fork");
      expect(fork?.forkedFrom).toMatchObject({ version: 3 });
    } finally {
      await setDatabase(original);
      await fresh.drop();
    }
  });

  it("imports under another name, and refuses a clash without one", async () => {
    const lib = await buildLibrary("Clash");
    const file = await exportLibrary(lib.id);
    const before = await templateRowCounts();
    const e = await appError(importLibrary(file, { readImage: readFakeImage }));
    expect(e.code).toBe("conflict");
    expect(e.message).toContain('"Clash" already exists');
    expect(await templateRowCounts()).toEqual(before);
    const copy = await importLibrary(file, { name: "Clash (imported)", readImage: readFakeImage });
    expect(copy).toMatchObject({ name: "Clash (imported)", templateCount: 3 });
    // Same images: stored once.
    expect((await templateRowCounts()).assets).toBe(before.assets);
  });

  it("rejects a file from a newer format version with an upgrade message", async () => {
    const lib = await buildLibrary("Newer");
    const file = { ...(await exportLibrary(lib.id)), formatVersion: 3, somethingNew: true };
    const before = await templateRowCounts();
    const e = await appError(importLibrary(file, { name: "Newer 2", readImage: readFakeImage }));
    expect(e.code).toBe("validation_failed");
    expect(e.message).toMatch(/format version 3.*upgrade/);
    expect(e.details).toEqual([{ path: ["formatVersion"], message: expect.stringContaining("upgrade") }]);
    expect(await templateRowCounts()).toEqual(before);
  });

  it("is all-or-nothing: a bad template in the middle leaves the database unchanged", async () => {
    const lib = await buildLibrary("Atomic");
    const good = await exportLibrary(lib.id);
    const before = await templateRowCounts();
    const librariesBefore = await listLibraries();

    // Schema-invalid document in the second template: caught before writing, with a path into the file.
    const invalid = structuredClone(good);
    (invalid.templates[1]!.versions[1]!.document as { query: unknown }).query = { blocks: [] };
    const e1 = await appError(importLibrary(invalid, { name: "Atomic 2", readImage: readFakeImage }));
    expect(e1.code).toBe("validation_failed");
    expect(e1.details?.[0]?.path).toEqual(["templates", 1, "versions", 1, "document", "query", "blocks"]);

    // Valid documents, but the last template references an image that is neither in the file nor stored:
    // found only while writing, after the first templates were inserted, so the transaction must roll back.
    const dangling = structuredClone(good);
    const ghost = fakeImage("ghost");
    const last = dangling.templates[2]!;
    last.versions[0]!.document = captionDoc("Captions fork", { assetIds: [ghost.id] });
    const e2 = await appError(importLibrary(dangling, { name: "Atomic 3", readImage: readFakeImage }));
    expect(e2.code).toBe("unprocessable");
    expect(e2.message).toContain(ghost.id);

    // Duplicate template names inside the file: a unique violation mid-transaction.
    const dup = structuredClone(good);
    dup.templates.push(structuredClone(dup.templates[0]!));
    expect((await appError(importLibrary(dup, { name: "Atomic 4", readImage: readFakeImage }))).code).toBe("conflict");

    // Damaged image data.
    const damaged = structuredClone(good);
    damaged.assets[0]!.dataBase64 = Buffer.from("tampered").toString("base64");
    const e3 = await appError(importLibrary(damaged, { name: "Atomic 5", readImage: readFakeImage }));
    expect(e3.code).toBe("unprocessable");
    expect(e3.details?.[0]?.path).toEqual(["assets", 0, "dataBase64"]);

    // Reading the image fails (not an image): unprocessable, nothing stored.
    const e4 = await appError(
      importLibrary(good, {
        name: "Atomic 6",
        readImage: async () => {
          throw new Error("Input buffer contains unsupported image format");
        },
      }),
    );
    expect(e4.code).toBe("unprocessable");
    expect(e4.details?.[0]?.path).toEqual(["assets", 0, "dataBase64"]);

    expect((await appError(importLibrary({ hello: "world" }, { readImage: readFakeImage }))).code).toBe("validation_failed");
    expect(await templateRowCounts()).toEqual(before);
    expect(await listLibraries()).toEqual(librariesBefore);
  });
});
