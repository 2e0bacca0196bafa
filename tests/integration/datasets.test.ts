/**
 * Dataset import through the route handlers (a Request in, a Response out) on
 * real SQLite and PostgreSQL: zip, folder upload, CSV and JSONL with loose
 * images; every kind of bad input is a 4xx naming the file or line, with
 * nothing saved; browsing, rename, delete; seeding the example datasets.
 */
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import * as datasetsRoute from "@/app/api/datasets/route";
import * as datasetRoute from "@/app/api/datasets/[id]/route";
import { ingestImage } from "@/lib/assets";
import { importDataset } from "@/lib/datasets/import";
import { EXAMPLE_DATASETS, seedExamples } from "@/lib/examples";
import { DEFAULT_DATASET_LIMITS } from "@/lib/datasets";
import { createDataset, deleteDataset, getDatasetItems, listDatasets, type DatasetDetail, type DatasetItemPage } from "@/lib/store/datasets";
import { db } from "@/lib/store/db";
import { ensureDefaultLibrary, listLibraries } from "@/lib/store";
import { hugeHeaderPng } from "../support/images";
import { makeZip } from "../support/zip";
import { providers, withStoreDatabase } from "./support/databases";

const BASE = "http://studio.test";
const params = (id: string) => ({ params: Promise.resolve({ id }) });

const COLOURS = ["#cc3333", "#33aa33", "#3355cc", "#ddbb22", "#8833aa", "#ee8822"];
const png = async (i: number) => new Uint8Array(await sharp({ create: { width: 16 + i, height: 16, channels: 3, background: COLOURS[i % COLOURS.length]! } }).png().toBuffer());

interface Upload {
  path: string;
  data: Uint8Array | string;
}

function importRequest(files: Upload[], fields: Record<string, string> = {}, withPaths = true): Request {
  const form = new FormData();
  for (const [k, v] of Object.entries({ name: "My set", ...fields })) form.append(k, v);
  for (const f of files) {
    form.append("file", new Blob([typeof f.data === "string" ? f.data : new Uint8Array(f.data)]), f.path.split("/").pop());
    if (withPaths) form.append("path", f.path);
  }
  return new Request(`${BASE}/api/datasets`, { method: "POST", body: form });
}

async function ok(res: Response, status = 201): Promise<DatasetDetail> {
  const body = (await res.json()) as { dataset: DatasetDetail; error?: { message: string } };
  expect(res.status, body.error?.message).toBe(status);
  return body.dataset;
}

async function failure(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...body.error };
}

async function counts() {
  const c = db();
  return { datasets: await c.dataset.count(), items: await c.datasetItem.count(), assets: await c.asset.count() };
}

const jsonlOf = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

describe.each(providers)("datasets on %s", (provider) => {
  withStoreDatabase(provider);
  let images: Uint8Array[] = [];
  const rows = Array.from({ length: 6 }, (_, i) => ({ image: `imgs/${i}.png`, answer: i % 2 ? "wug" : "dax", candidates: ["dax", "wug"] }));

  beforeAll(async () => {
    images = await Promise.all([0, 1, 2, 3, 4, 5].map(png));
  });

  const folder = (prefix: string, manifest: Upload) => [manifest, ...images.map((data, i) => ({ path: `${prefix}imgs/${i}.png`, data }))];

  it("imports a zipped folder (JSONL), splitting it seeded and stratified", async () => {
    const zip = makeZip(folder("set/", { path: "set/data.jsonl", data: jsonlOf(rows) }).map((f) => ({ path: f.path, data: f.data })));
    const dataset = await ok(await datasetsRoute.POST(importRequest([{ path: "set.zip", data: zip }], { name: "Zipped", evalCount: "2", seed: "5" })));
    expect(dataset).toMatchObject({ name: "Zipped", task: "classification", itemCount: 6, poolCount: 4, evalCount: 2, libraryName: "My library" });
    expect(dataset.answers).toEqual([{ answer: "dax", count: 3 }, { answer: "wug", count: 3 }]);
    const items = await getDatasetItems(dataset.id);
    expect(items.map((i) => i.answer)).toEqual(rows.map((r) => r.answer));
    expect(items.filter((i) => i.split === "eval").map((i) => i.answer).sort()).toEqual(["dax", "wug"]);
    expect(items[0]!.candidates).toEqual(["dax", "wug"]);
    expect(new Set(items.map((i) => i.assetId)).size).toBe(6);
  });

  it("imports a folder upload (relative paths) with an explicit split, and a CSV with loose files", async () => {
    const withSplit = rows.map((r, i) => ({ ...r, split: i < 4 ? "pool" : "eval", question: i === 0 ? "Which?" : undefined }));
    const a = await ok(await datasetsRoute.POST(importRequest(folder("my folder/", { path: "my folder/items.jsonl", data: jsonlOf(withSplit) }), { name: "Folder" })));
    expect(a).toMatchObject({ itemCount: 6, poolCount: 4, evalCount: 2, task: "vqa" });

    const csv = "image,answer,question,candidates\n" + rows.map((r) => `${r.image},${r.answer},"What is it, then?",dax|wug`).join("\n");
    const b = await ok(await datasetsRoute.POST(importRequest(folder("", { path: "data.csv", data: csv }), { name: "CSV", evalFraction: "0.5", task: "vqa" })));
    expect(b).toMatchObject({ itemCount: 6, evalCount: 3, task: "vqa" });
    expect((await getDatasetItems(b.id))[0]).toMatchObject({ question: "What is it, then?", candidates: ["dax", "wug"] });

    // Loose files without "path" fields: their names are the paths.
    const flat = rows.map((r, i) => ({ ...r, image: `${i}.png` }));
    const c = await ok(await datasetsRoute.POST(importRequest([{ path: "d.jsonl", data: jsonlOf(flat) }, ...images.map((data, i) => ({ path: `${i}.png`, data }))], { name: "Loose" }, false)));
    expect(c.itemCount).toBe(6);
  });

  it("pages and filters items, renames, refuses a taken name, deletes", async () => {
    const [zipped] = await listDatasets().then((l) => l.filter((d) => d.name === "Zipped"));
    const get = async (q: string) => {
      const res = await datasetRoute.GET(new Request(`${BASE}/api/datasets/${zipped!.id}?${q}`), params(zipped!.id));
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: DatasetItemPage }).items;
    };
    expect(await get("limit=4")).toMatchObject({ total: 6, offset: 0, limit: 4, items: { length: 4 } });
    expect((await get("limit=4&offset=4")).items.map((i) => i.position)).toEqual([4, 5]);
    expect((await get("split=eval")).total).toBe(2);
    expect((await get("answer=wug")).items.every((i) => i.answer === "wug")).toBe(true);
    expect((await failure(await datasetRoute.GET(new Request(`${BASE}/api/datasets/${zipped!.id}?split=test`), params(zipped!.id)))).status).toBe(400);

    const patch = (body: unknown) => datasetRoute.PATCH(new Request(`${BASE}/x`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }), params(zipped!.id));
    expect(await ok(await patch({ name: "Renamed", description: "d" }), 200)).toMatchObject({ name: "Renamed", description: "d" });
    expect(await failure(await patch({ name: "CSV" }))).toMatchObject({ status: 409, message: expect.stringMatching(/"CSV" already exists/) });
    expect((await failure(await patch({}))).status).toBe(400);

    const before = await counts();
    expect((await datasetRoute.DELETE(new Request(`${BASE}/x`, { method: "DELETE" }), params(zipped!.id))).status).toBe(204);
    expect(await counts()).toEqual({ datasets: before.datasets - 1, items: before.items - 6, assets: before.assets });
  });

  it("stores the largest allowed dataset in one transaction", async () => {
    const n = DEFAULT_DATASET_LIMITS.maxItems;
    const assetId = (await ingestImage(images[0]!)).asset.id;
    const library = await ensureDefaultLibrary();
    const items = Array.from({ length: n }, (_, i) => ({ assetId, question: null, answer: `a${i % 7}`, candidates: null, split: i % 5 === 0 ? ("eval" as const) : ("pool" as const) }));
    const big = await createDataset({ libraryId: library.id, name: "Big", task: "classification", items, assets: [] });
    expect(big).toMatchObject({ itemCount: n, evalCount: n / 5 });
    expect((await getDatasetItems(big.id)).map((i) => i.position)).toEqual(Array.from({ length: n }, (_, i) => i));
    await deleteDataset(big.id);
  });

  it("answers 404 for an unknown dataset", async () => {
    for (const res of [
      await datasetRoute.GET(new Request(`${BASE}/api/datasets/nope`), params("nope")),
      await datasetRoute.DELETE(new Request(`${BASE}/x`, { method: "DELETE" }), params("nope")),
    ]) {
      expect(await failure(res)).toMatchObject({ status: 404, code: "not_found", message: 'Dataset "nope" was not found' });
    }
  });

  describe("bad input: a 4xx naming the file or line, and nothing saved", () => {
    const corrupt = () => images[1]!.slice(0, images[1]!.length - 20);
    const cases: [string, () => Request, number, RegExp][] = [
      ["a corrupt image", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf(rows) }).map((f) => (f.path === "imgs/3.png" ? { ...f, data: corrupt() } : f))), 422, /^d\.jsonl:4: image "imgs\/3\.png": The PNG image is truncated or corrupt/],
      ["a huge image", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf(rows) }).map((f) => (f.path === "imgs/5.png" ? { ...f, data: new Uint8Array(hugeHeaderPng()) } : f))), 413, /^d\.jsonl:6: image "imgs\/5\.png": The image is 20000×20000 pixels/],
      ["a text file posing as an image", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf(rows) }).map((f) => (f.path === "imgs/0.png" ? { ...f, data: "hello" } : f))), 415, /^d\.jsonl:1: image "imgs\/0\.png": The file is not a PNG/],
      ["a missing image", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf(rows) }).filter((f) => f.path !== "imgs/2.png")), 400, /^d\.jsonl:3: the image "imgs\/2\.png" is not in the upload/],
      ["a bad JSONL line", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf(rows.slice(0, 2)) + '{"image": "imgs/2.png", "answer": \n' })), 400, /^d\.jsonl:3: not valid JSON/],
      ["a bad CSV line", () => importRequest(folder("", { path: "d.csv", data: "image,answer\nimgs/0.png,dax\nimgs/1.png\n" })), 400, /^d\.csv:3: 1 fields, but the header has 2/],
      ["a NUL character in an answer", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf([rows[0]!, { ...rows[1]!, answer: "wu\u0000g" }]) })), 400, /^d\.jsonl:2: answer contains a NUL character/],
      // A lone surrogate cannot be written as UTF-8: only JSON's \u escapes can carry one.
      ["an unpaired surrogate in a question", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf([rows[0]!, { ...rows[1]!, question: "Wh\ud800at?" }]) })), 400, /^d\.jsonl:2: question contains an unpaired surrogate/],
      ["a NUL character in a CSV question", () => importRequest(folder("", { path: "d.csv", data: "image,answer,question\nimgs/0.png,dax,Wh\u0000at?\n" })), 400, /^d\.csv:2: question contains a NUL character/],
      ["an answer over 1,000 characters", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf([{ ...rows[0]!, answer: "d".repeat(1001), candidates: undefined }]) })), 400, /^d\.jsonl:1: answer is 1001 characters long/],
      ["a NUL character in the dataset's name", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf(rows) }), { name: "My\u0000set" }), 400, /name: contains a NUL character/],
      ["a zip bomb (declared size)", () => importRequest([{ path: "bomb.zip", data: makeZip([{ path: "d.jsonl", data: "x" }, { path: "a.png", data: "x", declaredSize: 4_000_000_000 }]) }]), 413, /bomb\.zip unpacks to .*at most 256 MB/],
      ["a corrupt zip", () => importRequest([{ path: "set.zip", data: makeZip([{ path: "d.jsonl", data: jsonlOf(rows) }]).subarray(0, 40) }]), 422, /set\.zip is not a readable zip archive/],
      ["no manifest", () => importRequest(images.map((data, i) => ({ path: `${i}.png`, data }))), 400, /no dataset file/],
      ["no name", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf(rows) }), { name: " " }), 400, /name/],
      ["an impossible eval count", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf(rows) }), { evalCount: "6" }), 400, /between 1 and 5 of the 6 items/],
      ["an unknown library", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf(rows) }), { libraryId: "nope" }), 404, /Library "nope"/],
      ["a taken name", () => importRequest(folder("", { path: "d.jsonl", data: jsonlOf(rows) }), { name: "CSV" }), 409, /"CSV" already exists/],
    ];
    it.each(cases)("%s", async (_what, request, status, message) => {
      const before = await counts();
      const res = await datasetsRoute.POST(request());
      const e = await failure(res);
      expect(e.message).toMatch(message);
      expect(e.status).toBe(status);
      expect(await counts()).toEqual(before);
    });

    it("a zip bomb whose headers lie stops at the byte budget", async () => {
      const before = await counts();
      const zip = makeZip([{ path: "d.jsonl", data: jsonlOf(rows) }, { path: "imgs/0.png", data: new Uint8Array(4 * 1024 * 1024), declaredSize: 10 }]);
      const library = await ensureDefaultLibrary();
      await expect(importDataset([{ path: "b.zip", bytes: zip }], { libraryId: library.id, name: "Bomb", limits: { maxTotalBytes: 1024 * 1024 } })).rejects.toThrow(/zip bomb/);
      expect(await counts()).toEqual(before);
    });

    it("refuses a body that is not multipart", async () => {
      const res = await datasetsRoute.POST(new Request(`${BASE}/api/datasets`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }));
      expect((await failure(res)).status).toBe(415);
    });
  });
});

describe.each(providers)("example datasets on %s", (provider) => {
  withStoreDatabase(provider);

  it("are seeded once into Examples, with the documented split, and left alone by a second seed", async () => {
    const first = await seedExamples();
    expect(first.datasets).toEqual({ created: EXAMPLE_DATASETS.map((d) => d.name), present: 0 });
    const examples = (await listLibraries()).find((l) => l.kind === "examples")!;
    const list = await listDatasets({ libraryId: examples.id });
    expect(list.map((d) => [d.name, d.task, d.itemCount, d.poolCount, d.evalCount])).toEqual([
      ["Novel emoji (2-way)", "classification", 80, 48, 32],
      ["Scene colours (task from examples)", "classification", 60, 30, 30],
      ["Scene VQA", "vqa", 90, 60, 30],
    ]);
    const named = (name: string) => list.find((d) => d.name === name)!.id;
    const emoji = await getDatasetItems(named("Novel emoji (2-way)"));
    expect(new Set(emoji.map((i) => i.answer)).size).toBe(2);
    expect(emoji.filter((i) => i.split === "eval").length).toBe(32);
    expect(emoji.every((i) => i.candidates?.length === 2 && i.candidates.includes(i.answer) && i.question === null)).toBe(true);
    const vqa = await getDatasetItems(named("Scene VQA"));
    expect(vqa.every((i) => i.question && i.candidates?.includes(i.answer))).toBe(true);
    // The task is given only by the demonstrations: no question; a balanced split, five of each colour to evaluate.
    const colours = await getDatasetItems(named("Scene colours (task from examples)"));
    expect(colours.every((i) => i.question === null && i.candidates?.length === 6 && i.candidates.includes(i.answer))).toBe(true);
    const evalByColour = new Map<string, number>();
    for (const i of colours.filter((x) => x.split === "eval")) evalByColour.set(i.answer, (evalByColour.get(i.answer) ?? 0) + 1);
    expect([...evalByColour.values()]).toEqual([5, 5, 5, 5, 5, 5]);

    const before = await counts();
    const again = await seedExamples();
    expect(again.datasets).toEqual({ created: [], present: EXAMPLE_DATASETS.length });
    expect(await counts()).toEqual(before);
  });
});
