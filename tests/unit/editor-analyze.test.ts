import { describe, expect, it } from "vitest";
import { analyze, issuesAtPaths } from "@/components/editor/analyze";
import { STARTER_TEMPLATE, toSource } from "@/components/editor/starter";

const lineOf = (text: string, offset: number) => text.slice(0, offset).split("\n").length;

describe("editor analyze()", () => {
  it("accepts the starter template", () => {
    const r = analyze(toSource(STARTER_TEMPLATE));
    expect(r.ok).toBe(true);
    expect(r.issues).toEqual([]);
  });

  it("reports JSON syntax errors with an offset", () => {
    const text = '{\n  "name": "x",\n  "tags": [1,]\n}';
    const r = analyze(text);
    expect(r.ok).toBe(false);
    expect(r.issues[0]?.kind).toBe("syntax");
    expect(lineOf(text, r.issues[0]!.start)).toBe(3);
  });

  it("refuses comments and empty input", () => {
    expect(analyze('{ // hi\n "a": 1 }').ok).toBe(false);
    expect(analyze("").ok).toBe(false);
  });

  it("marks an undeclared variable at the text block's line", () => {
    const doc = { ...STARTER_TEMPLATE, query: { blocks: [{ type: "text", text: "Q: {{question}}" }] } };
    const text = toSource(doc);
    const r = analyze(text);
    expect(r.ok).toBe(false);
    const issue = r.issues.find((i) => i.message.includes("question"))!;
    expect(issue.path).toBe("query.blocks[0].text");
    expect(text.slice(issue.start, issue.end)).toBe('"Q: {{question}}"');
  });

  it("marks a schema error at the offending value, and a missing field at its parent", () => {
    const bad = { ...STARTER_TEMPLATE, tags: ["ok", ""] };
    const text = toSource(bad);
    const r = analyze(text);
    const issue = r.issues.find((i) => i.path === "tags[1]")!;
    expect(text.slice(issue.start, issue.end)).toBe('""');

    const { query: _q, ...noQuery } = STARTER_TEMPLATE;
    const text2 = toSource(noQuery);
    const r2 = analyze(text2);
    expect(r2.issues[0]?.path).toBe("query");
    expect(r2.issues[0]?.start).toBe(0);
  });

  it("marks an unknown block type inside a shot on the block's line", () => {
    const doc = {
      ...STARTER_TEMPLATE,
      shots: [{ blocks: [{ type: "video", url: "x" }], answer: "a" }],
    };
    const text = toSource(doc);
    const r = analyze(text);
    expect(r.ok).toBe(false);
    const issue = r.issues[0]!;
    expect(issue.path?.startsWith("shots[0].blocks[0]")).toBe(true);
    expect(lineOf(text, issue.start)).toBeGreaterThanOrEqual(lineOf(text, text.indexOf('"video"')) - 1);
    expect(lineOf(text, issue.start)).toBeLessThanOrEqual(lineOf(text, text.indexOf('"video"')));
  });

  it("places server-named problems at their paths (with or without a document prefix)", () => {
    const text = toSource(STARTER_TEMPLATE);
    const [a, b] = issuesAtPaths(text, [
      { path: ["query", "blocks", 0, "source", "name"], message: "x" },
      { path: ["document", "query", "blocks", "1", "text"], message: "y" },
      { message: "no path: ignored" },
    ]);
    expect(text.slice(a!.start, a!.end)).toBe('"query_image"');
    expect(a!.path).toBe("query.blocks[0].source.name");
    expect(text.slice(b!.start, b!.end)).toBe('"Output:"');
  });
});
