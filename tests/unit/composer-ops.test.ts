import { describe, expect, it } from "vitest";
import { parseTemplate } from "@/lib/prompt/validate";
import {
  PREAMBLE,
  QUERY,
  addShot,
  addTextBlock,
  arrayMove,
  blocksOf,
  countImages,
  declareVariable,
  duplicateShot,
  ensureIds,
  idsIn,
  imageInsertIndex,
  insertImage,
  moveBlock,
  moveShot,
  removeBlock,
  removeShot,
  removeVariable,
  replaceImage,
  setAnswer,
  setText,
  setVariableKind,
  shotRef,
  undeclaredVariables,
  blockKey,
  chunkByKey,
  chunkKeyOf,
  setDetails,
  type Doc,
} from "@/components/composer/document-ops";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

const img = (assetId: string) => ({ type: "image" as const, source: { kind: "asset" as const, assetId } });
const text = (t: string) => ({ type: "text" as const, text: t });

function doc(): Doc {
  return {
    formatVersion: 1,
    name: "Classify",
    variables: [{ name: "query_image", kind: "image" }],
    shots: [
      { blocks: [img(A), text("Output:")], answer: "dax" },
      { blocks: [img(B), text("Output:")], answer: "blicket" },
    ],
    query: { blocks: [{ type: "image", source: { kind: "variable", name: "query_image" } }, text("Output:")] },
  };
}

/** A deterministic "random" for ids. */
function counter() {
  let i = 0;
  return () => (++i % 1000) / 1000;
}

const frozen = <T>(v: T): T => {
  const deep = (o: unknown) => {
    if (o && typeof o === "object") {
      Object.values(o).forEach(deep);
      Object.freeze(o);
    }
  };
  deep(v);
  return v;
};

describe("composer document ops", () => {
  it("arrayMove moves one item and ignores out-of-range moves", () => {
    expect(arrayMove([1, 2, 3, 4], 0, 2)).toEqual([2, 3, 1, 4]);
    expect(arrayMove([1, 2, 3, 4], 3, 0)).toEqual([4, 1, 2, 3]);
    expect(arrayMove([1, 2], 0, 5)).toEqual([1, 2]);
  });

  it("never mutates its input (frozen documents)", () => {
    const d = frozen(doc());
    expect(() => {
      moveShot(d, 0, 1);
      moveBlock(d, shotRef(0), 0, 1);
      addShot(d);
      duplicateShot(d, 1);
      removeShot(d, 0);
      insertImage(d, QUERY, { kind: "asset", assetId: C });
      setText(d, QUERY, 1, "Answer:");
      setAnswer(d, 0, "wug");
      ensureIds(d);
      declareVariable(d, "x", "text");
      setVariableKind(d, "query_image", "text");
    }).not.toThrow();
  });

  it("ensureIds gives every shot and block a unique id, id first, and leaves complete documents alone", () => {
    const d = ensureIds(doc(), counter());
    const ids = idsIn(d);
    expect(ids.size).toBe(2 + 4 + 2);
    expect(Object.keys(d.shots![0]!)[0]).toBe("id");
    expect(Object.keys(d.query.blocks[0]!)[0]).toBe("id");
    expect(ensureIds(d)).toBe(d);
    // Only the fields it touched: no defaults filled in.
    expect("preamble" in d).toBe(false);
    expect("separator" in d).toBe(false);
  });

  it("moveShot reorders demonstrations; moveBlock reorders within one chunk", () => {
    const d = moveShot(doc(), 0, 1);
    expect(d.shots!.map((s) => s.answer)).toEqual(["blicket", "dax"]);
    const e = moveBlock(doc(), shotRef(1), 1, 0);
    expect(e.shots![1]!.blocks.map((b) => b.type)).toEqual(["text", "image"]);
    expect(e.shots![0]).toEqual(doc().shots![0]);
    expect(moveShot(doc(), 0, 9).shots!.map((s) => s.answer)).toEqual(["dax", "blicket"]);
  });

  it("addShot is shaped like the last shot (its text, no image, empty answer)", () => {
    const d = addShot(doc());
    expect(d.shots).toHaveLength(3);
    const s = d.shots![2]!;
    expect(s.blocks.map((b) => (b.type === "text" ? b.text : "img"))).toEqual(["Output:"]);
    expect(s.answer).toBe("");
    expect(s.id).toMatch(/^s-/);
    const first = addShot(doc(), 0);
    expect(first.shots![0]!.answer).toBe("");
    expect(first.shots![1]!.answer).toBe("dax");
  });

  it("addShot on a zero-shot template takes the query's text", () => {
    const d = addShot({ ...doc(), shots: [] });
    expect(d.shots![0]!.blocks).toMatchObject([{ type: "text", text: "Output:" }]);
  });

  it("duplicateShot copies a shot with fresh ids, right after it", () => {
    const base = ensureIds(doc());
    const d = duplicateShot(base, 0);
    expect(d.shots!.map((s) => s.answer)).toEqual(["dax", "dax", "blicket"]);
    expect(d.shots![1]!.id).not.toBe(d.shots![0]!.id);
    expect(d.shots![1]!.blocks[0]!.id).not.toBe(d.shots![0]!.blocks[0]!.id);
    expect(idsIn(d).size).toBe(idsIn(base).size + 3);
  });

  it("removeShot removes one shot", () => {
    expect(removeShot(doc(), 0).shots!.map((s) => s.answer)).toEqual(["blicket"]);
    expect(removeShot(doc(), 7).shots).toHaveLength(2);
  });

  it("insertImage goes after the chunk's last image by default", () => {
    expect(imageInsertIndex([text("x")])).toBe(0);
    expect(imageInsertIndex([img(A), text("x")])).toBe(1);
    const d = insertImage(doc(), QUERY, { kind: "asset", assetId: C });
    expect(d.query.blocks.map((b) => b.type)).toEqual(["image", "image", "text"]);
    expect(d.query.blocks[1]).toMatchObject({ source: { assetId: C } });
    expect(d.query.blocks[1]!.id).toMatch(/^b-/);
    const p = insertImage(doc(), PREAMBLE, { kind: "asset", assetId: C });
    expect(blocksOf(p, PREAMBLE)).toHaveLength(1);
  });

  it("replaceImage keeps the block's id; removeBlock keeps at least one block in shots and the query", () => {
    const base = ensureIds(doc());
    const d = replaceImage(base, shotRef(0), 0, { kind: "asset", assetId: C });
    expect(d.shots![0]!.blocks[0]).toMatchObject({ id: base.shots![0]!.blocks[0]!.id, source: { assetId: C } });
    expect(replaceImage(base, shotRef(0), 1, { kind: "asset", assetId: C })).toBe(base);

    const one = removeBlock(doc(), QUERY, 0);
    expect(one.query.blocks).toEqual([text("Output:")]);
    expect(removeBlock(one, QUERY, 0)).toBe(one);
    const pre = removeBlock(addTextBlock(doc(), PREAMBLE, "Classify:"), PREAMBLE, 0);
    expect(pre.preamble).toEqual([]);
  });

  it("setText and setAnswer edit one field", () => {
    const d = setAnswer(setText(doc(), QUERY, 1, "Answer:"), 1, "wug");
    expect(d.query.blocks[1]).toMatchObject({ text: "Answer:" });
    expect(d.shots![1]!.answer).toBe("wug");
    expect(setText(doc(), QUERY, 0, "not a text block")).toEqual(doc());
  });

  it("finds undeclared variables (text and image) and declares them", () => {
    let d = setText(doc(), QUERY, 1, "Question: {{question}} Answer:");
    d = insertImage(d, shotRef(0), { kind: "variable", name: "support" });
    expect(undeclaredVariables(d)).toEqual([
      { name: "support", kind: "image" },
      { name: "question", kind: "text" },
    ]);
    expect(parseTemplate(d).ok).toBe(false);
    d = declareVariable(declareVariable(d, "question", "text"), "support", "image");
    expect(undeclaredVariables(d)).toEqual([]);
    expect(parseTemplate(d).ok).toBe(true);
    expect(declareVariable(d, "question", "image")).toBe(d);
  });

  it("removes variables and changes their kind (an image variable drops its default)", () => {
    let d = declareVariable(doc(), "label", "text");
    d = { ...d, variables: d.variables!.map((v) => (v.name === "label" ? { ...v, default: "dax" } : v)) };
    const img = setVariableKind(d, "label", "image");
    expect(img.variables!.find((v) => v.name === "label")).toEqual({ name: "label", kind: "image" });
    expect(removeVariable(d, "label").variables).toEqual(doc().variables);
  });

  it("counts images in model order", () => {
    expect(countImages(doc())).toBe(3);
    expect(countImages(duplicateShot(doc(), 0))).toBe(4);
  });

  it("every op keeps a valid template valid", () => {
    let d = ensureIds(doc());
    d = addShot(d);
    d = insertImage(d, shotRef(2), { kind: "asset", assetId: C });
    d = setAnswer(d, 2, "wug");
    d = duplicateShot(d, 2);
    d = moveShot(d, 3, 0);
    d = moveBlock(d, QUERY, 0, 1);
    d = addTextBlock(d, PREAMBLE, "Name the object.");
    expect(parseTemplate(d)).toMatchObject({ ok: true });
    expect(countImages(d)).toBe(5);
  });
});

describe("composer keys", () => {
  it("find a chunk again by its key after shots move", () => {
    const d = ensureIds(doc());
    const key = chunkKeyOf(d, shotRef(1));
    const moved = moveShot(d, 1, 0);
    expect(chunkByKey(moved, key)).toEqual(shotRef(0));
    expect(chunkByKey(moved, "query")).toEqual(QUERY);
    expect(chunkByKey(removeShot(moved, 0), key)).toBeNull();
    expect(blockKey("query", d.query.blocks[0]!, 0)).toBe(d.query.blocks[0]!.id);
    expect(blockKey("query", text("x"), 3)).toBe("query:3");
  });
});

describe("composer details", () => {
  it("sets only the given fields and tidies tags", () => {
    const d = setDetails(doc(), { tags: [" vqa", "", "vqa", "shapes "] });
    expect(d.tags).toEqual(["vqa", "shapes"]);
    expect("description" in d).toBe(false);
    expect(setDetails(doc(), { name: "Renamed" }).name).toBe("Renamed");
  });
});
