/**
 * The route handlers, called as Next calls them (a Request in, a Response out),
 * against a real database: every kind of bad input gets a 4xx with a message
 * that names the problem, and nothing already saved changes.
 */
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import * as assetsRoute from "@/app/api/assets/route";
import * as assetRoute from "@/app/api/assets/[id]/route";
import * as importRoute from "@/app/api/libraries/import/route";
import * as exportRoute from "@/app/api/libraries/[id]/export/route";
import * as librariesRoute from "@/app/api/libraries/route";
import * as templatesRoute from "@/app/api/templates/route";
import * as templateRoute from "@/app/api/templates/[id]/route";
import * as versionsRoute from "@/app/api/templates/[id]/versions/route";
import * as restoreRoute from "@/app/api/templates/[id]/versions/[version]/restore/route";
import { db } from "@/lib/store/db";
import { captionDoc, sha256 } from "./support/fixtures";
import { hugeHeaderPng } from "../support/images";
import { providers, withStoreDatabase } from "./support/databases";
import { templateRowCounts } from "./support/row-counts";

const BASE = "http://studio.test";
const params = <T extends Record<string, string>>(p: T) => ({ params: Promise.resolve(p) });
const post = (path: string, body: unknown) =>
  new Request(`${BASE}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string; details?: { path: (string | number)[]; message: string }[] }> {
  const body = (await res.json()) as { error: { code: string; message: string; details?: { path: (string | number)[]; message: string }[] } };
  expect(body.error.message.length).toBeGreaterThan(10);
  return { status: res.status, ...body.error };
}

async function uploadRaw(bytes: Uint8Array): Promise<Response> {
  return assetsRoute.POST(new Request(`${BASE}/api/assets`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: bytes as unknown as BodyInit }));
}

describe.each(providers)("API bad input on %s", (provider) => {
  withStoreDatabase(provider);
  let libraryId = "";
  let templateId = "";
  let assetId = "";

  beforeAll(async () => {
    const lib = await librariesRoute.POST(post("/api/libraries", { name: "Work" }));
    expect(lib.status).toBe(201);
    libraryId = ((await lib.json()) as { library: { id: string } }).library.id;
    const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: "#3366cc" } }).png().toBuffer();
    const up = await uploadRaw(new Uint8Array(png));
    expect(up.status).toBe(201);
    assetId = ((await up.json()) as { asset: { id: string } }).asset.id;
    const created = await templatesRoute.POST(post("/api/templates", { libraryId, document: captionDoc("Captions", { assetIds: [assetId] }) }));
    expect(created.status).toBe(201);
    templateId = ((await created.json()) as { template: { id: string } }).template.id;
  });

  it("the same bytes uploaded twice are stored once (200 the second time) and served immutable", async () => {
    const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: "#3366cc" } }).png().toBuffer();
    const again = await uploadRaw(new Uint8Array(png));
    expect(again.status).toBe(200);
    const res = await assetRoute.GET(new Request(`${BASE}/api/assets/${assetId}`), params({ id: assetId }));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(res.headers.get("content-type")).toBe("image/png");
  });

  it("refuses malformed JSON, unknown block types, undeclared variables and dangling assets with field paths", async () => {
    const before = await templateRowCounts();

    const malformed = await errorOf(await templatesRoute.POST(post("/api/templates", "{ not json")));
    expect(malformed).toMatchObject({ status: 400, code: "bad_request" });

    const unknownBlock = captionDoc("Unknown block") as unknown as { query: { blocks: unknown[] } };
    unknownBlock.query.blocks.push({ type: "video", src: "x" });
    const e1 = await errorOf(await templatesRoute.POST(post("/api/templates", { libraryId, document: unknownBlock })));
    expect(e1.status).toBe(400);
    expect(e1.details?.[0]?.path).toEqual(["query", "blocks", 2, "type"]);

    const undeclared = captionDoc("Undeclared");
    undeclared.query.blocks[1] = { type: "text", text: "Question:{{question}}" };
    const e2 = await errorOf(await templatesRoute.POST(post("/api/templates", { libraryId, document: undeclared })));
    expect(e2.status).toBe(400);
    expect(e2.details?.[0]).toMatchObject({ path: ["query", "blocks", 1, "text"] });
    expect(e2.details?.[0]?.message).toContain('"{{question}}" is used but not declared');

    const dangling = await errorOf(await templatesRoute.POST(post("/api/templates", { libraryId, document: captionDoc("Dangling", { assetIds: ["ab".repeat(32)] }) })));
    expect(dangling.status).toBe(422);
    expect(dangling.message).toContain("ab".repeat(32));

    expect(await templateRowCounts()).toEqual(before);
  });

  it("refuses a duplicate template name, a stale base version and unknown ids, leaving the template as it was", async () => {
    const before = await templateRowCounts();
    const dup = await errorOf(await templatesRoute.POST(post("/api/templates", { libraryId, document: captionDoc("Captions") })));
    expect(dup.status).toBe(409);
    expect(dup.message).toContain("Captions");

    const v2 = await versionsRoute.POST(post(`/api/templates/${templateId}/versions`, { document: captionDoc("Captions", { tags: ["v2"] }), baseVersion: 1 }), params({ id: templateId }));
    expect(v2.status).toBe(201);
    const stale = await errorOf(await versionsRoute.POST(post(`/api/templates/${templateId}/versions`, { document: captionDoc("Captions", { tags: ["v3"] }), baseVersion: 1 }), params({ id: templateId })));
    expect(stale.status).toBe(409);

    const unknown = await errorOf(await templateRoute.GET(new Request(`${BASE}/api/templates/nope`), params({ id: "nope" })));
    expect(unknown).toMatchObject({ status: 404, code: "not_found" });
    const badVersion = await errorOf(await restoreRoute.POST(post(`/api/templates/${templateId}/versions/99/restore`, {}), params({ id: templateId, version: "99" })));
    expect(badVersion.status).toBe(404);
    const junkVersion = await errorOf(await restoreRoute.POST(post(`/api/templates/${templateId}/versions/abc/restore`, {}), params({ id: templateId, version: "abc" })));
    expect(junkVersion.status).toBe(400);
    const unknownAsset = await errorOf(await assetRoute.GET(new Request(`${BASE}/api/assets/${"cd".repeat(32)}`), params({ id: "cd".repeat(32) })));
    expect(unknownAsset.status).toBe(404);

    expect(await templateRowCounts()).toEqual({ ...before, versions: before.versions + 1 });
  });

  it("refuses a text file renamed .png, a truncated PNG and a 20000×20000 image by content", async () => {
    const before = await templateRowCounts();
    const text = new TextEncoder().encode("hello, I am not an image");
    const form = new FormData();
    form.set("file", new Blob([text], { type: "image/png" }), "photo.png");
    const renamed = await errorOf(await assetsRoute.POST(new Request(`${BASE}/api/assets`, { method: "POST", body: form })));
    expect(renamed.status).toBe(415);
    expect(renamed.message).toContain("not a PNG, JPEG, WebP or GIF");

    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 40 } } }).png().toBuffer();
    const truncated = await errorOf(await uploadRaw(new Uint8Array(png.subarray(0, Math.floor(png.length / 2)))));
    expect(truncated.status).toBe(422);

    const huge = hugeHeaderPng(20000, 20000);
    const tooBig = await errorOf(await uploadRaw(new Uint8Array(huge)));
    expect(tooBig.status).toBe(413);
    expect(tooBig.message).toMatch(/megapixel/i);

    expect(await templateRowCounts()).toEqual(before);
  });

  it("import is all-or-nothing and refuses a newer format version", async () => {
    const exported = await exportRoute.GET(new Request(`${BASE}/api/libraries/${libraryId}/export`), params({ id: libraryId }));
    expect(exported.status).toBe(200);
    const file = (await exported.json()) as { formatVersion: number; templates: { versions: { document: { query: unknown } }[] }[] };
    const before = await templateRowCounts();

    const newer = await errorOf(await importRoute.POST(post("/api/libraries/import?name=Newer", { ...file, formatVersion: file.formatVersion + 1 })));
    expect(newer.status).toBe(400);
    expect(newer.message).toMatch(/upgrade/i);

    const broken = structuredClone(file);
    broken.templates[0]!.versions[0]!.document.query = { blocks: [] };
    const bad = await errorOf(await importRoute.POST(post("/api/libraries/import?name=Broken", broken)));
    expect(bad.status).toBe(400);
    expect(bad.details?.[0]?.path.slice(0, 4)).toEqual(["templates", 0, "versions", 0]);

    const clash = await errorOf(await importRoute.POST(post("/api/libraries/import", file)));
    expect(clash.status).toBe(409);
    expect(await templateRowCounts()).toEqual(before);

    const ok = await importRoute.POST(post("/api/libraries/import?name=Copy", file));
    expect(ok.status).toBe(201);
  });

  it("import sniffs and measures embedded images: what is stored is what the bytes say", async () => {
    const png = await sharp({ create: { width: 33, height: 17, channels: 3, background: "#cc6633" } }).png().toBuffer();
    const id = sha256(png);
    const fileWith = (name: string, asset: object) => ({
      format: "flamingo-studio.library",
      formatVersion: 2,
      exportedAt: new Date().toISOString(),
      library: { name, description: "" },
      templates: [{ name: "Uses it", versions: [{ version: 1, message: null, createdAt: new Date().toISOString(), document: captionDoc("Uses it", { assetIds: [id] }) }] }],
      notebooks: [],
      assets: [{ id, mediaType: "image/gif", width: 99999, height: 1, dataBase64: png.toString("base64"), ...asset }],
    });
    const res = await importRoute.POST(post("/api/libraries/import", fileWith("Lying sizes", {})));
    expect(res.status).toBe(201);
    const served = await assetRoute.GET(new Request(`${BASE}/api/assets/${id}`), params({ id }));
    expect(served.headers.get("content-type")).toBe("image/png");
    const stored = await db().asset.findUnique({ where: { id }, select: { mediaType: true, width: true, height: true } });
    expect(stored).toEqual({ mediaType: "image/png", width: 33, height: 17 });

    // Bytes that are no image at all (their hash right): refused like an upload, with the place in the file.
    const before = await templateRowCounts();
    const text = Buffer.from("just text, hashed honestly");
    const notImage = await errorOf(await importRoute.POST(post("/api/libraries/import", { ...fileWith("Not an image", {}), assets: [{ id: sha256(text), mediaType: "image/png", width: 1, height: 1, dataBase64: text.toString("base64") }], templates: [] })));
    expect([notImage.status, notImage.details?.[0]?.path]).toEqual([415, ["assets", 0, "dataBase64"]]);
    expect(notImage.message).toMatch(/was refused: The file is not a PNG, JPEG, WebP or GIF/);
    const huge = hugeHeaderPng(20000, 20000);
    const tooBig = await errorOf(await importRoute.POST(post("/api/libraries/import", { ...fileWith("Huge", {}), assets: [{ id: sha256(huge), mediaType: "image/png", width: 1, height: 1, dataBase64: huge.toString("base64") }], templates: [] })));
    expect(tooBig.status).toBe(413);
    expect(await templateRowCounts()).toEqual(before);
  });

  it("refuses NUL characters and unpaired surrogates in stored text, naming the field", async () => {
    const before = await templateRowCounts();
    const lib = await errorOf(await librariesRoute.POST(post("/api/libraries", { name: "Bad\u0000name" })));
    expect([lib.status, lib.message]).toEqual([400, "Invalid request body: name: contains a NUL character"]);
    const doc = await errorOf(await templatesRoute.POST(post("/api/templates", { libraryId, document: captionDoc("Lone \ud800 surrogate") })));
    expect([doc.status, doc.details?.[0]]).toEqual([400, { path: ["document", "name"], message: "contains an unpaired surrogate" }]);
    const message = await errorOf(await versionsRoute.POST(post(`/api/templates/${templateId}/versions`, { document: captionDoc("Captions"), message: "x\u0000" }), params({ id: templateId })));
    expect(message.details?.[0]).toEqual({ path: ["message"], message: "contains a NUL character" });
    const file = { format: "flamingo-studio.library", formatVersion: 2, exportedAt: new Date().toISOString(), library: { name: "L", description: "\udfff" }, templates: [], notebooks: [], assets: [] };
    const imported = await errorOf(await importRoute.POST(post("/api/libraries/import", file)));
    expect(imported.details?.[0]).toEqual({ path: ["library", "description"], message: "contains an unpaired surrogate" });
    expect(await templateRowCounts()).toEqual(before);
  });
});
