import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import {
  createLibrary,
  createTemplate,
  deleteTemplate,
  forkTemplate,
  getTemplate,
  getTemplateVersion,
  putAsset,
  restoreTemplateVersion,
  saveTemplateVersion,
} from "@/lib/store";
import { db } from "@/lib/store/db";
import { captionDoc, fakeImage } from "./support/fixtures";
import { providers, withStoreDatabase } from "./support/databases";

/** The AppError a promise rejects with (fails the test if it resolves or throws something else). */
async function appError(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

async function counts() {
  const c = db();
  return { templates: await c.template.count(), versions: await c.templateVersion.count(), libraries: await c.library.count() };
}

describe.each(providers)("templates on %s", (provider) => {
  withStoreDatabase(provider);

  it("creates a template with version 1, taking name/description/tags from the document", async () => {
    const lib = await createLibrary({ name: "Work" });
    const img = fakeImage("a");
    await putAsset(img);
    const t = await createTemplate({ libraryId: lib.id, document: captionDoc("Captions", { assetIds: [img.id], tags: ["captioning", "COCO"] }), message: "first" });
    expect(t).toMatchObject({
      libraryId: lib.id,
      libraryName: "Work",
      name: "Captions",
      description: "Caption images (Captions)",
      tags: ["captioning", "COCO"],
      latestVersion: 1,
      previewAssetIds: [img.id],
      forkedFrom: null,
    });
    expect(t.versions).toEqual([{ version: 1, message: "first", createdAt: expect.any(String), createdBy: null }]);
    // Stored documents are the parsed ones, defaults filled.
    expect(t.document.separator).toBe("\n");
    expect(t.document.preamble).toEqual([]);
    expect(await getTemplate(t.id)).toEqual(t);
  });

  it("saves immutable, increasing versions and keeps each one readable", async () => {
    const lib = await createLibrary({ name: "Versions" });
    const t = await createTemplate({ libraryId: lib.id, document: captionDoc("V") });
    const v2 = await saveTemplateVersion({ templateId: t.id, document: { ...captionDoc("V"), description: "second" }, message: "two" });
    const v3 = await saveTemplateVersion({ templateId: t.id, document: { ...captionDoc("V"), description: "third" }, baseVersion: 2 });
    expect(v2.latestVersion).toBe(2);
    expect(v3.latestVersion).toBe(3);
    expect(v3.description).toBe("third");
    expect(v3.versions.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(v3.versions.map((v) => v.message)).toEqual([null, "two", null]);
    expect((await getTemplateVersion(t.id, 1)).document.description).toBe("Caption images (V)");
    expect((await getTemplateVersion(t.id, 2)).document.description).toBe("second");
    expect(await getTemplateVersion(t.id, 1)).toEqual(await getTemplateVersion(t.id, 1));
  });

  it("restores an old version as a new version", async () => {
    const lib = await createLibrary({ name: "Restore" });
    const t = await createTemplate({ libraryId: lib.id, document: captionDoc("R", { description: "one" }) });
    await saveTemplateVersion({ templateId: t.id, document: captionDoc("R", { description: "two" }) });
    const restored = await restoreTemplateVersion(t.id, 1);
    expect(restored.latestVersion).toBe(3);
    expect(restored.description).toBe("one");
    expect(restored.versions[0]).toMatchObject({ version: 3, message: "Restored version 1" });
    expect((await getTemplateVersion(t.id, 2)).document.description).toBe("two");
    const again = await restoreTemplateVersion(t.id, 2, "back to two");
    expect(again.versions[0]).toMatchObject({ version: 4, message: "back to two" });
  });

  it("refuses a save based on a stale version (two editors) and changes nothing", async () => {
    const lib = await createLibrary({ name: "Conflicts" });
    const t = await createTemplate({ libraryId: lib.id, document: captionDoc("C") });
    await saveTemplateVersion({ templateId: t.id, document: captionDoc("C", { description: "editor A" }), baseVersion: 1 });
    const e = await appError(saveTemplateVersion({ templateId: t.id, document: captionDoc("C", { description: "editor B" }), baseVersion: 1 }));
    expect(e.code).toBe("conflict");
    expect(e.status).toBe(409);
    expect(e.message).toMatch(/since you opened version 1 \(latest is now 2\)/);
    const now = await getTemplate(t.id);
    expect(now.latestVersion).toBe(2);
    expect(now.description).toBe("editor A");
  });

  it("lets exactly one of two concurrent saves from the same base version win", async () => {
    const lib = await createLibrary({ name: "Race" });
    const t = await createTemplate({ libraryId: lib.id, document: captionDoc("Race") });
    const results = await Promise.allSettled(
      ["A", "B"].map((who) => saveTemplateVersion({ templateId: t.id, document: captionDoc("Race", { description: who }), baseVersion: 1 })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(AppError);
    expect((lost.reason as AppError).code).toBe("conflict");
    expect((await getTemplate(t.id)).versions.map((v) => v.version)).toEqual([2, 1]);
  });

  it("rejects duplicate names within a library, allows them across libraries", async () => {
    const a = await createLibrary({ name: "Dup A" });
    const b = await createLibrary({ name: "Dup B" });
    await createTemplate({ libraryId: a.id, document: captionDoc("Same") });
    const other = await createTemplate({ libraryId: a.id, document: captionDoc("Other") });
    const e = await appError(createTemplate({ libraryId: a.id, document: captionDoc("Same") }));
    expect(e.code).toBe("conflict");
    expect(e.message).toContain('A template named "Same" already exists in library "Dup A"');
    await expect(createTemplate({ libraryId: b.id, document: captionDoc("Same") })).resolves.toMatchObject({ name: "Same" });
    // Renaming onto an existing name in a save is a conflict too.
    const rename = await appError(saveTemplateVersion({ templateId: other.id, document: captionDoc("Same") }));
    expect(rename.code).toBe("conflict");
    expect((await getTemplate(other.id)).latestVersion).toBe(1);
  });

  it("answers not_found for unknown ids", async () => {
    const lib = await createLibrary({ name: "Unknowns" });
    const t = await createTemplate({ libraryId: lib.id, document: captionDoc("U") });
    for (const p of [
      () => getTemplate("nope"),
      () => getTemplateVersion("nope", 1),
      () => getTemplateVersion(t.id, 7),
      () => saveTemplateVersion({ templateId: "nope", document: captionDoc("U") }),
      () => restoreTemplateVersion(t.id, 9),
      () => createTemplate({ libraryId: "nope", document: captionDoc("U2") }),
      () => forkTemplate({ templateId: "nope", libraryId: lib.id }),
      () => forkTemplate({ templateId: t.id, libraryId: "nope" }),
      () => deleteTemplate("nope"),
    ]) {
      const e = await appError(p());
      expect(e.code).toBe("not_found");
      expect(e.status).toBe(404);
    }
    expect((await appError(getTemplateVersion(t.id, 7))).message).toContain("has no version 7 (its versions are 1 to 1)");
  });

  it("rejects malformed documents with field paths and saves nothing", async () => {
    const lib = await createLibrary({ name: "Bad docs" });
    const before = await counts();
    const bad = { ...captionDoc("Bad"), query: { blocks: [{ type: "video", src: "x" }] } };
    const e = await appError(createTemplate({ libraryId: lib.id, document: bad }));
    expect(e.code).toBe("validation_failed");
    expect(e.status).toBe(400);
    expect(e.details?.[0]?.path).toEqual(["query", "blocks", 0, "type"]);

    const undeclared = { ...captionDoc("Bad"), query: { blocks: [{ type: "text", text: "Q: {{question}}" }] } };
    const e2 = await appError(createTemplate({ libraryId: lib.id, document: undeclared }));
    expect(e2.details).toEqual([{ path: ["query", "blocks", 0, "text"], message: expect.stringContaining('"{{question}}" is used but not declared') }]);

    for (const doc of [null, "text", { formatVersion: 1 }]) {
      expect((await appError(createTemplate({ libraryId: lib.id, document: doc }))).code).toBe("validation_failed");
    }
    const newer = await appError(createTemplate({ libraryId: lib.id, document: { ...captionDoc("New"), formatVersion: 2 } }));
    expect(newer.message).toMatch(/upgrade/);
    expect(await counts()).toEqual(before);
  });

  it("rejects dangling image references as unprocessable, naming id and place, and saves nothing", async () => {
    const lib = await createLibrary({ name: "Dangling" });
    const stored = fakeImage("stored");
    await putAsset(stored);
    const missing = fakeImage("never uploaded");
    const t = await createTemplate({ libraryId: lib.id, document: captionDoc("D", { assetIds: [stored.id] }) });
    const before = await counts();

    const e = await appError(createTemplate({ libraryId: lib.id, document: captionDoc("D2", { assetIds: [stored.id, missing.id] }) }));
    expect(e.code).toBe("unprocessable");
    expect(e.status).toBe(422);
    expect(e.message).toContain(missing.id);
    expect(e.details).toEqual([{ path: ["shots", 1, "blocks", 0, "source", "assetId"], message: expect.stringContaining(missing.id) }]);

    const e2 = await appError(saveTemplateVersion({ templateId: t.id, document: captionDoc("D", { assetIds: [missing.id] }) }));
    expect(e2.code).toBe("unprocessable");
    expect(await counts()).toEqual(before);
    expect((await getTemplate(t.id)).latestVersion).toBe(1);
  });

  it("forks the latest version into another library with a link to its source", async () => {
    const src = await createLibrary({ name: "Fork source" });
    const dst = await createLibrary({ name: "Fork target" });
    const t = await createTemplate({ libraryId: src.id, document: captionDoc("Forkable", { description: "v1" }) });
    await saveTemplateVersion({ templateId: t.id, document: captionDoc("Forkable", { description: "v2" }) });

    const fork = await forkTemplate({ templateId: t.id, libraryId: dst.id });
    expect(fork).toMatchObject({ libraryId: dst.id, name: "Forkable", description: "v2", latestVersion: 1, forkedFrom: { templateId: t.id, version: 2 } });
    expect(fork.versions[0]?.message).toContain('Forked from "Forkable" version 2');

    const clash = await appError(forkTemplate({ templateId: t.id, libraryId: dst.id }));
    expect(clash.code).toBe("conflict");
    const named = await forkTemplate({ templateId: t.id, libraryId: dst.id, name: "Forkable (copy)" });
    expect(named.name).toBe("Forkable (copy)");
    expect(named.document.name).toBe("Forkable (copy)");
    // A fork in the same library with a new name works too.
    await expect(forkTemplate({ templateId: t.id, libraryId: src.id, name: "Sibling" })).resolves.toMatchObject({ libraryId: src.id });

    // Deleting the source keeps the fork, without the link.
    await deleteTemplate(t.id);
    expect((await getTemplate(fork.id)).forkedFrom).toBeNull();
    expect((await appError(getTemplate(t.id))).code).toBe("not_found");
    expect(await db().templateVersion.count({ where: { templateId: t.id } })).toBe(0);
  });
});
