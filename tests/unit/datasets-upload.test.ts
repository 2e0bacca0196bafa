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

/** A copy of `zip` with its first central-directory entry patched (flags, method) or its end record's counts. */
function patched(zip: Buffer, change: { flags?: number; method?: number; count?: number; disk?: number; extra?: Buffer }): Buffer {
  const z = Buffer.from(zip);
  const eocd = z.length - 22;
  const cd = z.readUInt32LE(eocd + 16);
  if (change.flags !== undefined) z.writeUInt16LE(change.flags, cd + 8);
  if (change.method !== undefined) z.writeUInt16LE(change.method, cd + 10);
  if (change.count !== undefined) {
    z.writeUInt16LE(change.count, eocd + 8);
    z.writeUInt16LE(change.count, eocd + 10);
  }
  if (change.disk !== undefined) z.writeUInt16LE(change.disk, eocd + 4);
  if (change.extra) {
    // Insert an extra field into the first directory entry and fix the sizes and offsets after it.
    const nameLen = z.readUInt16LE(cd + 28);
    z.writeUInt16LE(change.extra.length, cd + 30);
    const at = cd + 46 + nameLen;
    const out = Buffer.concat([z.subarray(0, at), change.extra, z.subarray(at)]);
    const end = out.length - 22;
    out.writeUInt32LE(out.readUInt32LE(end + 12) + change.extra.length, end + 12);
    return out;
  }
  return z;
}

describe("zip reading: what is refused", () => {
  const one = () => makeZip([{ path: "a.png", data: "hello hello hello" }]);

  it("refuses encrypted entries, other compression methods, zip64 and split archives", () => {
    expect([errorOf(() => readZip(patched(one(), { flags: 0x801 }), limits)).code, errorOf(() => readZip(patched(one(), { flags: 0x801 }), limits)).message]).toEqual([
      "bad_request",
      expect.stringMatching(/"a\.png" is encrypted; zip the files without a password/),
    ]);
    const bzip = errorOf(() => readZip(patched(one(), { method: 12 }), limits));
    expect([bzip.code, bzip.message]).toEqual(["unsupported_media_type", expect.stringMatching(/compression method 12; only stored and deflated/)]);
    expect(errorOf(() => readZip(patched(one(), { count: 0xffff }), limits)).message).toMatch(/zip64 archives are not supported/);
    const zip64Extra = Buffer.alloc(20);
    zip64Extra.writeUInt16LE(0x0001, 0);
    zip64Extra.writeUInt16LE(16, 2);
    expect(errorOf(() => readZip(patched(one(), { extra: zip64Extra }), limits)).message).toMatch(/"a\.png" needs zip64, which is not supported/);
    expect(errorOf(() => readZip(patched(one(), { disk: 1 }), limits)).message).toMatch(/split over several files/);
    expect(errorOf(() => readZip(makeZip([{ path: "a.png", data: "x", declaredSize: 0xffffffff }]), { ...limits, maxTotalBytes: 2 ** 33 })).message).toMatch(/needs zip64/);
  });

  it("refuses a deflate stream that ends early, and directories that point outside the file", () => {
    const zip = makeZip([{ path: "a.bin", data: new Uint8Array(200_000).map((_, i) => (i * 7919) % 251) }]);
    const eocd = zip.length - 22;
    const cd = zip.readUInt32LE(eocd + 16);
    const compressed = zip.readUInt32LE(cd + 20);
    // Keep the headers but declare (and ship) only half of the compressed data.
    const half = Math.floor(compressed / 2);
    const local = 30 + "a.bin".length;
    const cut = Buffer.concat([zip.subarray(0, local + half), zip.subarray(local + compressed)]);
    const cutCd = cut.readUInt32LE(cut.length - 22 + 16) - (compressed - half);
    cut.writeUInt32LE(cutCd, cut.length - 22 + 16);
    cut.writeUInt32LE(half, cutCd + 20);
    const e = errorOf(() => readZip(cut, { ...limits, maxTotalBytes: 1024 * 1024 }));
    expect([e.code, e.message]).toEqual(["unprocessable", expect.stringMatching(/"a\.bin" is corrupt: its compressed data/)]);

    const outside = Buffer.from(one());
    outside.writeUInt32LE(outside.length, outside.length - 22 + 16);
    expect(errorOf(() => readZip(outside, limits)).message).toMatch(/directory points outside the file/);
  });

  it("stops inflating a lying entry soon after the budget, without inflating the rest", () => {
    const zeros = new Uint8Array(200 * 1024 * 1024); // deflates to ~200 KB
    const zip = makeZip([{ path: "bomb.bin", data: zeros, declaredSize: 1 }]);
    const started = performance.now();
    const e = errorOf(() => readZip(zip, limits));
    expect(e.message).toMatch(/unpacks to more than the 1 MB left/);
    // Inflating all 200 MB takes far longer than stopping after the first megabytes.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("applies the upload's own byte limit before unpacking anything", () => {
    const e = errorOf(() => parseUpload([file("d.zip", makeZip([{ path: "d.jsonl", data: "x" }]))], { limits: { maxUploadBytes: 50 } }));
    expect([e.code, e.message]).toEqual(["payload_too_large", expect.stringMatching(/The upload is \d+ bytes; at most 50 bytes/)]);
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
