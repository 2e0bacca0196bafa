import { describe, expect, it } from "vitest";
import { parseCsvManifest, parseCsvRows, parseJsonlManifest, normalisePath } from "@/lib/datasets";
import { AppError } from "@/lib/errors";

const fails = (fn: () => unknown, code: string, message: RegExp) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe(code);
    expect((e as AppError).message).toMatch(message);
    return;
  }
  throw new Error("expected an error");
};

describe("JSONL manifests", () => {
  it("reads the eval CLI's format plus an optional split, skipping blank lines", () => {
    const text = [
      '{"image": "a.png", "answer": "dax"}',
      "",
      '{"image": "img/b.png", "question": "What colour?", "answer": "red", "candidates": ["red", "blue"], "split": "test"}',
    ].join("\r\n");
    expect(parseJsonlManifest(text, "d.jsonl")).toEqual([
      { image: "a.png", answer: "dax", where: "d.jsonl:1" },
      { image: "img/b.png", question: "What colour?", answer: "red", candidates: ["red", "blue"], split: "eval", where: "d.jsonl:3" },
    ]);
  });

  it("names the line and the problem", () => {
    fails(() => parseJsonlManifest('{"image":"a.png","answer":"x"}\n{"image": "b.png"', "d.jsonl"), "bad_request", /^d\.jsonl:2: not valid JSON/);
    fails(() => parseJsonlManifest('{"image":"a.png"}', "d.jsonl"), "bad_request", /^d\.jsonl:1: answer/);
    fails(() => parseJsonlManifest('{"image":"a.png","answer":"x","label":"y"}', "d.jsonl"), "bad_request", /^d\.jsonl:1: .*label/);
    fails(() => parseJsonlManifest('{"image":"a.png","answer":"x","candidates":["y","z"]}', "d.jsonl"), "bad_request", /d\.jsonl:1: the answer "x" is not among its candidates/);
    fails(() => parseJsonlManifest('{"image":"a.png","answer":"x","split":"holdout"}', "d.jsonl"), "bad_request", /d\.jsonl:1: split must be/);
  });
});

describe("CSV manifests", () => {
  it("parses RFC 4180 quoting: commas, doubled quotes and newlines inside quotes", () => {
    const rows = parseCsvRows('a,b\r\n"x, y","say ""hi"""\n"multi\nline",z\n\n', "t.csv");
    expect(rows).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x, y", 'say "hi"'] },
      { line: 3, fields: ["multi\nline", "z"] },
    ]);
  });

  it("maps the header's columns (any order, any case, extra columns ignored), candidates split on |", () => {
    const text = "\ufeffID,Answer,Image,Question,Candidates,Split\n1,red,s/1.png,What colour?,red|blue | green,pool\n2,dax,s/2.png,,,eval\n";
    expect(parseCsvManifest(text, "d.csv")).toEqual([
      { image: "s/1.png", answer: "red", question: "What colour?", candidates: ["red", "blue", "green"], split: "pool", where: "d.csv:2" },
      { image: "s/2.png", answer: "dax", split: "eval", where: "d.csv:3" },
    ]);
  });

  it("names the line of a bad row", () => {
    fails(() => parseCsvManifest("picture,answer\na.png,x\n", "d.csv"), "bad_request", /d\.csv:1: the header needs an "image" column/);
    fails(() => parseCsvManifest("image,answer\na.png,x\nb.png\n", "d.csv"), "bad_request", /d\.csv:3: 1 fields, but the header has 2/);
    fails(() => parseCsvManifest("image,answer\na.png,x\nb.png, \n", "d.csv"), "bad_request", /d\.csv:3: answer is empty/);
    fails(() => parseCsvManifest('image,answer\na.png,"x\n', "d.csv"), "bad_request", /d\.csv:2: a quoted field is never closed/);
    fails(() => parseCsvManifest("image,answer,candidates\na.png,x,y|z\n", "d.csv"), "bad_request", /d\.csv:2: the answer "x" is not among/);
    fails(() => parseCsvManifest("image,answer,candidates\na.png,x,x||z\n", "d.csv"), "bad_request", /d\.csv:2: candidates has an empty entry/);
    fails(() => parseCsvManifest("", "d.csv"), "bad_request", /d\.csv is empty/);
  });
});

describe("item text: lengths, stored characters, candidates", () => {
  const jsonl = (item: object) => JSON.stringify({ image: "a.png", answer: "x", ...item });

  it("refuses NUL characters and unpaired surrogates, naming the line and the field", () => {
    fails(() => parseJsonlManifest(jsonl({ answer: "da\u0000x" }), "d.jsonl"), "bad_request", /^d\.jsonl:1: answer contains a NUL character$/);
    fails(() => parseJsonlManifest(`${jsonl({})}\n${jsonl({ question: "Wh\ud800at?" })}`, "d.jsonl"), "bad_request", /^d\.jsonl:2: question contains an unpaired surrogate$/);
    fails(() => parseJsonlManifest(jsonl({ candidates: ["x", "y\udc00"] }), "d.jsonl"), "bad_request", /^d\.jsonl:1: candidate 2 contains an unpaired surrogate$/);
    fails(() => parseCsvManifest("image,answer\na.png,x\u0000\n", "d.csv"), "bad_request", /^d\.csv:2: answer contains a NUL character$/);
  });

  it("caps answers at 1,000 characters, questions at 4,000 and candidates at 256", () => {
    expect(parseJsonlManifest(jsonl({ answer: "a".repeat(1000), question: "q".repeat(4000) }), "d.jsonl")).toHaveLength(1);
    fails(() => parseJsonlManifest(jsonl({ answer: "a".repeat(1001) }), "d.jsonl"), "bad_request", /^d\.jsonl:1: answer is 1001 characters long; at most 1000/);
    fails(() => parseJsonlManifest(jsonl({ question: "q".repeat(4001) }), "d.jsonl"), "bad_request", /^d\.jsonl:1: question is 4001 characters long; at most 4000/);
    const many = Array.from({ length: 257 }, (_, i) => `c${i}`);
    fails(() => parseJsonlManifest(jsonl({ answer: "c0", candidates: many }), "d.jsonl"), "bad_request", /^d\.jsonl:1: candidates has 257 entries; at most 256/);
    fails(() => parseCsvManifest(`image,answer,candidates\na.png,c0,${many.join("|")}\n`, "d.csv"), "bad_request", /^d\.csv:2: candidates has 257 entries; at most 256/);
    expect(parseJsonlManifest(jsonl({ answer: "c0", candidates: many.slice(0, 256) }), "d.jsonl")[0]!.candidates).toHaveLength(256);
    fails(() => parseJsonlManifest(jsonl({ answer: "c0", candidates: ["c0", "x".repeat(1001)] }), "d.jsonl"), "bad_request", /candidate 2 is 1001 characters long/);
  });
});

describe("CSV through csv-parse", () => {
  it("counts lines the same way whatever the line endings, also after rows spanning several lines", () => {
    const text = 'image,answer\r\n"a.png","multi\r\nline"\r\n\r\nb.png,x\rc.png,"y\n\nz"\nd.png,w';
    expect(parseCsvRows(text, "t.csv").map((r) => r.line)).toEqual([1, 2, 5, 6, 9]);
    fails(() => parseCsvManifest(`${text}\ne.png`, "t.csv"), "bad_request", /^t\.csv:10: 1 fields, but the header has 2/);
    fails(() => parseCsvManifest('image,answer\n"a\n.png",x\nb.png,"y"z\n', "t.csv"), "bad_request", /^t\.csv:4: text follows a closing quote/);
    fails(() => parseCsvManifest("image,answer\na.png,x\nb.png,y\"z\n", "t.csv"), "bad_request", /^t\.csv:3: a quote inside an unquoted field/);
    fails(() => parseCsvManifest('image,answer\na.png,x\n\n"b.png,y\n', "t.csv"), "bad_request", /^t\.csv:4: a quoted field is never closed/);
    // Multi-byte text before a row does not shift its line.
    fails(() => parseCsvManifest("image,answer\nélan.png,日本語\nb.png\n", "t.csv"), "bad_request", /^t\.csv:3: 1 fields/);
  });

  it("counts rows past the item limit without keeping them", () => {
    const rows = Array.from({ length: 7 }, (_, i) => `${i}.png,x`).join("\n");
    fails(() => parseCsvManifest(`image,answer\n${rows}\n\n`, "d.csv", { maxItems: 4 }), "payload_too_large", /^d\.csv has 7 items; at most 4 are accepted/);
    expect(parseCsvManifest(`image,answer\n${rows}\n`, "d.csv", { maxItems: 7 })).toHaveLength(7);
  });
});

describe("paths inside an upload", () => {
  it("normalises separators and dots", () => {
    expect(normalisePath("./imgs\\a.png", "x")).toBe("imgs/a.png");
    expect(normalisePath("imgs//./a.png", "x")).toBe("imgs/a.png");
  });
  it("refuses paths that leave the upload", () => {
    fails(() => normalisePath("../secret.png", "d.jsonl:1: image"), "bad_request", /d\.jsonl:1: image: "\.\.\/secret\.png" must not leave/);
    fails(() => normalisePath("/etc/passwd", "x"), "bad_request", /absolute path/);
    fails(() => normalisePath("C:\\a.png", "x"), "bad_request", /absolute path/);
    fails(() => normalisePath("https://example.com/a.png", "x"), "bad_request", /absolute path or URL/);
  });
});
