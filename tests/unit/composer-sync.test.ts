import { describe, expect, it } from "vitest";
import { minimalEdit, readSource, toSource } from "@/components/editor/source-sync";

const good = {
  formatVersion: 1,
  name: "T",
  shots: [{ blocks: [{ type: "text", text: "Output:" }], answer: "dax" }],
  query: { blocks: [{ type: "text", text: "Output:" }] },
};

describe("source <-> composer sync", () => {
  it("reads a schema-valid document as written (no defaults filled in)", () => {
    const r = readSource(toSource(good));
    expect(r).toEqual({ ok: true, doc: good });
  });

  it("keeps showing a document with only semantic problems (an undeclared variable)", () => {
    const doc = { ...good, query: { blocks: [{ type: "text", text: "Q: {{question}}" }] } };
    expect(readSource(toSource(doc)).ok).toBe(true);
  });

  it("reports a syntax error with its line", () => {
    const text = toSource(good).replace('"answer": "dax"', '"answer": "dax",');
    const r = readSource(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.line).toBe(text.split("\n").findIndex((l) => l.includes('"dax",')) + 2);
  });

  it("reports a schema error at the line of its path", () => {
    const text = toSource({ ...good, shots: [{ blocks: [{ type: "video" }], answer: "x" }] });
    const r = readSource(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain("shots.0.blocks.0");
      expect(r.line).toBe(text.split("\n").findIndex((l) => l.includes('"video"')) + 1);
    }
  });

  it("minimalEdit finds the single changed range", () => {
    expect(minimalEdit("abc", "abc")).toBeNull();
    expect(minimalEdit("hello world", "hello brave world")).toEqual({ start: 6, end: 6, text: "brave " });
    expect(minimalEdit("aXXb", "ab")).toEqual({ start: 1, end: 3, text: "" });
    const before = toSource(good);
    const after = toSource({ ...good, shots: [{ ...good.shots[0], answer: "blicket" }] });
    const e = minimalEdit(before, after)!;
    expect(before.slice(0, e.start) + e.text + before.slice(e.end)).toBe(after);
    expect(e.text).toBe("blicket");
  });
});
