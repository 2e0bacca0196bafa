import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as libraryRoute from "@/app/api/libraries/[id]/route";
import * as assetRoute from "@/app/api/assets/[id]/route";
import { AppError } from "@/lib/errors";
import {
  createLibrary,
  createNotebook,
  createTemplate,
  databaseHealth,
  deleteAsset,
  deleteLibrary,
  deleteUnusedAssets,
  ensureDefaultLibrary,
  forkTemplate,
  getTemplate,
  saveCellRun,
  saveTemplateVersion,
  getAssetBytes,
  getAssetInfo,
  getAssetThumbnail,
  getLibrary,
  listLibraries,
  missingAssets,
  putAsset,
} from "@/lib/store";
import { createDataset } from "@/lib/store/datasets";
import { database, db, setDatabase } from "@/lib/store/db";
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

const BASE = "http://studio.test";
const params = (id: string) => ({ params: Promise.resolve({ id }) });
const del = (path: string) => new Request(`${BASE}${path}`, { method: "DELETE" });

async function rowCounts() {
  const c = db();
  return {
    libraries: await c.library.count(),
    templates: await c.template.count(),
    versions: await c.templateVersion.count(),
    notebooks: await c.notebook.count(),
    notebookVersions: await c.notebookVersion.count(),
    runs: await c.cellRun.count(),
    datasets: await c.dataset.count(),
    items: await c.datasetItem.count(),
    sweeps: await c.sweep.count(),
    results: await c.sweepResult.count(),
    assets: await c.asset.count(),
  };
}

const assetIds = async () => new Set((await db().asset.findMany({ select: { id: true } })).map((a) => a.id));

/** A library holding one of everything, each using its own image, plus one image shared with another library. */
async function fullLibrary(name: string, shared: string) {
  const lib = await createLibrary({ name });
  const img = (what: string) => fakeImage(`${name} ${what}`);
  const own = { v1: img("v1"), v2: img("v2"), notebook: img("notebook"), run: img("run"), item: img("item"), sweep: img("sweep") };
  for (const a of Object.values(own)) await putAsset(a);
  const template = await createTemplate({ libraryId: lib.id, document: captionDoc(`${name} captions`, { assetIds: [own.v1.id] }) });
  await saveTemplateVersion({ templateId: template.id, document: captionDoc(`${name} captions`, { assetIds: [own.v2.id, shared] }) });
  const notebook = await createNotebook({
    libraryId: lib.id,
    document: { formatVersion: 1, name: `${name} notebook`, cells: [{ id: "c1", prompt: { kind: "template", templateId: template.id, bindings: { query_image: { assetId: own.notebook.id } } } }] },
  });
  await saveCellRun(notebook.id, {
    cellId: "c1",
    version: 1,
    backend: "browser-wasm",
    provider: "wasm",
    model: "flamingo-mini",
    params: { backend: "wasm", engine: undefined, mode: "generate", decoding: "greedy", maxTokens: 5, minTokens: 0, temperature: 0.7, topP: 0.9, seed: 0, stop: [], candidates: [], trace: true },
    prompt: { parts: [{ type: "image", assetId: own.run.id }, { type: "text", text: "Output:" }] },
    output: { mode: "generate", text: " a cat" },
    timings: { totalMs: 80 },
  });
  const dataset = await createDataset({
    libraryId: lib.id,
    name: `${name} data`,
    task: "classification",
    assets: [],
    items: [
      { assetId: own.item.id, question: null, answer: "dax", candidates: null, split: "pool" },
      { assetId: shared, question: null, answer: "wug", candidates: null, split: "eval" },
    ],
  });
  const sweepId = `sweep-${lib.id}`;
  const sweepTemplate = captionDoc("In the sweep", { assetIds: [own.sweep.id] });
  await db().sweep.create({ data: { id: sweepId, name: "s", templateId: template.id, templateVersion: 2, datasetId: dataset.id, config: JSON.stringify({ template: sweepTemplate }), totalCells: 1 } });
  await db().sweepResult.create({ data: { id: `r-${lib.id}`, sweepId, itemId: "i", shots: 0, seed: 0, selection: "random", output: "dax", correct: true, score: 1, demoItemIds: "[]", ms: 1 } });
  return { lib, template, own };
}

describe.each(providers)("deleting libraries and images on %s", (provider) => {
  withStoreDatabase(provider);

  it("deletes a library with everything in it and the images only it used, all in one go", async () => {
    const shared = fakeImage("shared");
    const loose = fakeImage("uploaded, not used yet");
    await putAsset(shared);
    await putAsset(loose);
    const keep = await createLibrary({ name: "Keep" });
    const kept = await createTemplate({ libraryId: keep.id, document: captionDoc("Kept", { assetIds: [shared.id] }) });
    const doomed = await fullLibrary("Doomed", shared.id);
    const fork = await forkTemplate({ templateId: doomed.template.id, libraryId: keep.id, name: "Forked from doomed" });
    expect(fork.forkedFrom).not.toBeNull();

    const before = await rowCounts();
    const res = await libraryRoute.DELETE(del(`/api/libraries/${doomed.lib.id}`), params(doomed.lib.id));
    expect(res.status).toBe(204);

    expect(await rowCounts()).toEqual({
      libraries: before.libraries - 1,
      templates: before.templates - 1,
      versions: before.versions - 2,
      notebooks: before.notebooks - 1,
      notebookVersions: before.notebookVersions - 1,
      runs: before.runs - 1,
      datasets: before.datasets - 1,
      items: before.items - 2,
      sweeps: before.sweeps - 1,
      results: before.results - 1,
      assets: before.assets - 5,
    });
    const left = await assetIds();
    expect(left.has(shared.id)).toBe(true); // still used by "Kept" (and the fork's copy)
    expect(left.has(doomed.own.v2.id)).toBe(true); // the fork in "Keep" copied the version that uses it
    expect(left.has(loose.id)).toBe(true); // never referenced by the deleted library: not a candidate
    const { v2: _v2, ...gone } = doomed.own;
    for (const a of Object.values(gone)) expect(left.has(a.id)).toBe(false);
    expect((await getTemplate(kept.id)).document).toEqual(expect.objectContaining({ name: "Kept" }));
    expect((await getTemplate(fork.id)).forkedFrom).toBeNull();

    expect((await appError(getLibrary(doomed.lib.id))).code).toBe("not_found");
    const again = await libraryRoute.DELETE(del(`/api/libraries/${doomed.lib.id}`), params(doomed.lib.id));
    expect(again.status).toBe(404);
    expect((await libraryRoute.DELETE(del("/api/libraries/not%20an%20id"), params("not an id"))).status).toBe(400);
  });

  it("refuses to delete the Examples library (403: read-only for everyone) and changes nothing", async () => {
    const examples = await createLibrary({ name: "Examples", kind: "examples" });
    await createTemplate({ libraryId: examples.id, document: captionDoc("An example") });
    const before = await rowCounts();
    const res = await libraryRoute.DELETE(del(`/api/libraries/${examples.id}`), params(examples.id));
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect([res.status, body.error.code]).toEqual([403, "forbidden"]);
    expect(body.error.message).toMatch(/read-only.*fork it to change it/);
    expect(await rowCounts()).toEqual(before);
  });

  it("deletes an image only when nothing uses it, and says what does", async () => {
    const img = fakeImage("popular");
    await putAsset(img);
    const lib = await createLibrary({ name: "Users of one image" });
    const t1 = await createTemplate({ libraryId: lib.id, document: captionDoc("Uses it", { assetIds: [img.id] }) });
    await createTemplate({ libraryId: lib.id, document: captionDoc("Also uses it", { assetIds: [img.id, img.id] }) });
    await createDataset({ libraryId: lib.id, name: "Uses it too", task: "classification", assets: [], items: [{ assetId: img.id, question: null, answer: "x", candidates: null, split: "pool" }] });
    // A template that only mentions the id in its text does not use the image.
    await createTemplate({ libraryId: lib.id, document: { ...captionDoc("Mentions it"), description: `"assetId":"${img.id}"` } });

    const res = await assetRoute.DELETE(del(`/api/assets/${img.id}`), params(img.id));
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect([res.status, body.error.code]).toEqual([409, "conflict"]);
    expect(body.error.message).toBe(`Image ${img.id} is used by 2 templates and 1 dataset; remove it from them (or delete them) first`);
    expect((await assetIds()).has(img.id)).toBe(true);

    // Once its last user is gone (the template's old version still counts), it can go.
    await saveTemplateVersion({ templateId: t1.id, document: captionDoc("Uses it") });
    expect((await appError(deleteAsset(img.id))).message).toMatch(/used by 2 templates and 1 dataset/);

    const unused = fakeImage("unused");
    await putAsset(unused);
    expect((await assetRoute.DELETE(del(`/api/assets/${unused.id}`), params(unused.id))).status).toBe(204);
    expect((await assetIds()).has(unused.id)).toBe(false);
    expect((await assetRoute.DELETE(del(`/api/assets/${unused.id}`), params(unused.id))).status).toBe(404);
    expect((await assetRoute.DELETE(del("/api/assets/nope"), params("nope"))).status).toBe(400);
  });

  it("garbage-collects unreferenced images among many candidates (read page by page)", async () => {
    const lib = await createLibrary({ name: "Many images" });
    const imgs = Array.from({ length: 45 }, (_, i) => fakeImage(`many ${i}`));
    for (const a of imgs) await putAsset(a);
    await createTemplate({ libraryId: lib.id, document: captionDoc("Uses three", { assetIds: [imgs[0]!.id, imgs[10]!.id, imgs[44]!.id] }) });
    const deleted = await deleteUnusedAssets(imgs.map((a) => a.id));
    expect(deleted.sort()).toEqual(imgs.filter((_, i) => ![0, 10, 44].includes(i)).map((a) => a.id).sort());
    const left = await assetIds();
    for (const i of [0, 10, 44]) expect(left.has(imgs[i]!.id)).toBe(true);
    // Few candidates take the narrow path; none of these is unused.
    expect(await deleteUnusedAssets([imgs[0]!.id, imgs[10]!.id])).toEqual([]);
  });

  it("rolls the whole library delete back when it fails half way", async () => {
    const shared = fakeImage("shared 2");
    await putAsset(shared);
    const doomed = await fullLibrary("Half way", shared.id);
    const before = await rowCounts();
    // Fail inside the transaction, after the cascade and the image clean-up have run.
    const client = db() as unknown as Record<string, unknown>;
    const own = Object.getOwnPropertyDescriptor(client, "$transaction");
    const original = client.$transaction as (fn: (tx: unknown) => Promise<unknown>, opts?: unknown) => Promise<unknown>;
    client.$transaction = (fn: (tx: unknown) => Promise<unknown>, opts?: unknown) =>
      original.call(client, async (tx: unknown) => {
        await fn(tx);
        throw new Error("boom after the delete");
      }, opts);
    try {
      await expect(deleteLibrary(doomed.lib.id)).rejects.toThrow(/boom/);
    } finally {
      if (own) Object.defineProperty(client, "$transaction", own);
      else delete client.$transaction;
    }
    expect(await rowCounts()).toEqual(before);
  });
});
