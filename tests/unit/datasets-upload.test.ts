import { describe, expect, it } from "vitest";
import { assignSplits, parseUpload, readZip, type UploadedFile } from "@/lib/datasets";
import { AppError } from "@/lib/errors";
import { makeZip } from "../support/zip";

const bytes = (s: string) => new TextEncoder().encode(s);
const file = (path: string, data: string | Uint8Array): UploadedFile => ({ path, bytes: typeof data === "string" ? bytes(data) : data });
const limits = { maxFiles: 100, maxTotalBytes: 1024 * 1024 };

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error("expected an error");
}

describe("zip reading", () => {
  it("reads stored and deflated entries and leaves out folders and Finder clutter", () => {
    const zip = makeZip([
      { path: "set/", data: "", method: "store" },
      { path: "set/data.jsonl", data: '{"image":"a.png","answer":"x"}\n' },
      { path: "set/a.png", data: "PNGDATA".repeat(100), method: "store" },
      { path: "__MACOSX/set/._a.png", data: "junk" },
      { path: "set/.DS_Store", data: "junk" },
    ]);
    const files = readZip(zip, limits);
    expect(files.map((f) => f.path)).toEqual(["set/data.jsonl", "set/a.png"]);
    expect(new TextDecoder().decode(files[1]!.bytes)).toBe("PNGDATA".repeat(100));
  });

  it("stops a zip bomb whose headers tell the truth before inflating anything", () => {
    const zip = makeZip([{ path: "a.bin", data: "x", declaredSize: 10 * 1024 * 1024 }]);
    const e = errorOf(() => readZip(zip, limits));
    expect([e.code, e.message]).toEqual(["payload_too_large", expect.stringMatching(/unpacks to 10 MB; at most 1 MB/)]);
  });

  it("stops a zip bomb whose headers lie, at the byte budget", () => {
    const zeros = new Uint8Array(8 * 1024 * 1024); // deflates to ~8 KB
    const zip = makeZip([{ path: "a.bin", data: zeros, declaredSize: 100 }]);
    expect(zip.length).toBeLessThan(64 * 1024);
    const e = errorOf(() => readZip(zip, limits));
    expect([e.code, e.message]).toEqual(["payload_too_large", expect.stringMatching(/a\.bin" unpacks to more than the 1 MB left .*zip bomb/)]);
  });

  it("caps the number of entries", () => {
    const zip = makeZip(Array.from({ length: 5 }, (_, i) => ({ path: `f${i}.png`, data: "x" })));
    expect(errorOf(() => readZip(zip, { ...limits, maxFiles: 4 })).message).toMatch(/holds 5 files; at most 4/);
  });

  it("refuses truncated, corrupt and path-escaping archives with a clear message", () => {
    const good = makeZip([{ path: "a.txt", data: "hello world hello world" }]);
    expect(errorOf(() => readZip(good.subarray(0, good.length - 30), limits)).message).toMatch(/end-of-archive record is missing/);
    expect(errorOf(() => readZip(makeZip([{ path: "a.txt", data: "hello", crc: 1234 }]), limits)).message).toMatch(/"a\.txt" is corrupt: its size or checksum/);
    const garbled = Buffer.from(good);
    garbled.fill(0xff, 30 + 5, 30 + 5 + 4); // inside the deflate stream
    expect(errorOf(() => readZip(garbled, limits)).code).toBe("unprocessable");
    expect(errorOf(() => readZip(makeZip([{ path: "../evil.png", data: "x" }]), limits)).message).toMatch(/must not leave/);
  });
});

describe("uploads: zip, folder, loose files", () => {
  const jsonl = '{"image":"imgs/a.png","answer":"x"}\n{"image":"imgs/b.png","answer":"y","question":"Q?"}\n';

  it("resolves image paths against the manifest's folder (a zipped folder, a browser folder upload)", () => {
    for (const files of [
      [file("mydata.zip", makeZip([{ path: "mydata/data.jsonl", data: jsonl }, { path: "mydata/imgs/a.png", data: "A" }, { path: "mydata/imgs/b.png", data: "B" }]))],
      [file("mydata/data.jsonl", jsonl), file("mydata/imgs/a.png", "A"), file("mydata/imgs/b.png", "B"), file("mydata/.DS_Store", "junk")],
    ]) {
      const parsed = parseUpload(files);
      expect(parsed.manifest).toBe("mydata/data.jsonl");
      expect(parsed.items.map((i) => [i.imagePath, i.answer, i.question])).toEqual([
        ["mydata/imgs/a.png", "x", undefined],
        ["mydata/imgs/b.png", "y", "Q?"],
      ]);
      expect([...parsed.images.keys()]).toEqual(["mydata/imgs/a.png", "mydata/imgs/b.png"]);
    }
  });

  it("reads a CSV manifest", () => {
    const parsed = parseUpload([file("d.csv", "image,answer\na.png,x\n"), file("a.png", "A")]);
    expect(parsed.items).toMatchObject([{ imagePath: "a.png", answer: "x", where: "d.csv:2" }]);
  });

  it("names a missing image and its line, and refuses ambiguous or missing manifests", () => {
    expect(errorOf(() => parseUpload([file("d.jsonl", jsonl), file("imgs/a.png", "A")])).message).toBe(
      'd.jsonl:2: the image "imgs/b.png" is not in the upload (looked for "imgs/b.png")',
    );
    expect(errorOf(() => parseUpload([file("a.png", "A")])).message).toMatch(/no dataset file/);
    expect(errorOf(() => parseUpload([file("a.jsonl", jsonl), file("b.csv", "image,answer\n")])).message).toMatch(/2 dataset files/);
    expect(parseUpload([file("a.jsonl", jsonl), file("b.csv", "x"), file("imgs/a.png", "A"), file("imgs/b.png", "B")], { manifest: "a.jsonl" }).items).toHaveLength(2);
    expect(errorOf(() => parseUpload([file("d.jsonl", new Uint8Array([0xff, 0xfe, 0x00]))])).message).toMatch(/not UTF-8/);
    expect(errorOf(() => parseUpload([file("a.zip", makeZip([])), file("b.png", "B")])).message).toMatch(/one zip on its own/);
  });

  it("applies the item, file and byte limits", () => {
    const many = Array.from({ length: 5 }, (_, i) => `{"image":"a.png","answer":"${i}"}`).join("\n");
    expect(errorOf(() => parseUpload([file("d.jsonl", many), file("a.png", "A")], { limits: { maxItems: 4 } })).message).toMatch(/5 items; at most 4/);
    expect(errorOf(() => parseUpload([file("d.jsonl", many), file("a.png", "A")], { limits: { maxTotalBytes: 10 } })).code).toBe("payload_too_large");
    expect(errorOf(() => parseUpload([file("d.jsonl", many), file("a.png", "A")], { limits: { maxFiles: 1 } })).code).toBe("payload_too_large");
  });

});

describe("pool / eval split", () => {
  const items = (answers: string[]) => answers.map((answer, i) => ({ answer, where: `d:${i + 1}` }));

  it("draws a seeded, stratified evaluation set", () => {
    const list = items([...Array(40).fill("a"), ...Array(40).fill("b")]);
    const s1 = assignSplits(list, { evalCount: 32, seed: 0 });
    expect(s1.filter((s) => s === "eval")).toHaveLength(32);
    expect(s1.slice(0, 40).filter((s) => s === "eval")).toHaveLength(16); // 16 per answer
    expect(assignSplits(list, { evalCount: 32, seed: 0 })).toEqual(s1);
    expect(assignSplits(list, { evalCount: 32, seed: 1 })).not.toEqual(s1);
    expect(assignSplits(list, { evalFraction: 0.25 }).filter((s) => s === "eval")).toHaveLength(20);
    expect(assignSplits(list).filter((s) => s === "eval")).toHaveLength(32); // default 0.4
  });

  it("gives each answer its share by largest remainder (ties to the answer seen first)", () => {
    const answers = ["a", "a", "a", "b", "b", "c"];
    const s = assignSplits(items(answers), { evalCount: 3, seed: 3 });
    const evalAnswers = answers.filter((_, i) => s[i] === "eval");
    expect([evalAnswers.filter((x) => x === "a").length, evalAnswers.filter((x) => x === "b").length, evalAnswers.filter((x) => x === "c").length]).toEqual([2, 1, 0]);
  });

  it("honours an explicit split on every row, and says what is wrong otherwise", () => {
    const explicit = [{ answer: "a", split: "pool" as const, where: "d:1" }, { answer: "b", split: "eval" as const, where: "d:2" }];
    expect(assignSplits(explicit, { evalCount: 1 })).toEqual(["pool", "eval"]);
    expect(errorOf(() => assignSplits([...explicit, { answer: "c", where: "d:3" }])).message).toMatch(/^d:3: split is missing/);
    expect(errorOf(() => assignSplits([{ answer: "a", split: "pool" as const, where: "d:1" }])).message).toMatch(/evaluation set is empty/);
    expect(errorOf(() => assignSplits([{ answer: "a", split: "eval" as const, where: "d:1" }])).message).toMatch(/pool is empty/);
    expect(errorOf(() => assignSplits(items(["a"]))).message).toMatch(/at least 2 items/);
    expect(errorOf(() => assignSplits(items(["a", "b"]), { evalCount: 2 })).message).toMatch(/between 1 and 1/);
  });
});
