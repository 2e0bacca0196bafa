import { describe, expect, it } from "vitest";
import {
  assetIdsOf,
  describeIssues,
  imagesOf,
  normalizeSequence,
  parseTemplate,
  render,
  RenderError,
  serializePrompt,
  unmarkAnswers,
  splitPlaceholders,
  variablesInText,
  type Template,
  type TemplateInput,
} from "@/lib/prompt";

const A = "a".repeat(64);
const B = "b".repeat(64);
const img = (assetId: string) => ({ type: "image" as const, source: { kind: "asset" as const, assetId } });
const text = (t: string) => ({ type: "text" as const, text: t });

/** The paper's captioning format: <image>Output:{caption}<|endofchunk|>. */
const captioning: TemplateInput = {
  formatVersion: 1,
  name: "COCO captions",
  tags: ["captioning"],
  variables: [{ name: "query_image", kind: "image" }],
  shots: [
    { blocks: [img(A), text("Output:")], answer: "A cat on a mat." },
    { blocks: [img(B), text("Output:")], answer: "Two dogs playing." },
  ],
  query: { blocks: [{ type: "image", source: { kind: "variable", name: "query_image" } }, text("Output:")] },
};

/** VQA: <image>Question:{q} Short answer:{a}<|endofchunk|>. */
const vqa: TemplateInput = {
  formatVersion: 1,
  name: "VQA",
  variables: [
    { name: "query_image", kind: "image" },
    { name: "question", kind: "text", default: "What is this?" },
  ],
  shots: [{ blocks: [img(A), text("Question:What color is the cat? Short answer:")], answer: "black" }],
  query: { blocks: [{ type: "image", source: { kind: "variable", name: "query_image" } }, text("Question:{{ question }} Short answer:")] },
};

function parsed(input: unknown): Template {
  const r = parseTemplate(input);
  if (!r.ok) throw new Error(describeIssues(r.issues));
  return r.template;
}

function issues(input: unknown) {
  const r = parseTemplate(input);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.issues;
}

describe("parseTemplate", () => {
  it("accepts the paper formats and fills defaults", () => {
    const t = parsed(captioning);
    expect(t.description).toBe("");
    expect(t.preamble).toEqual([]);
    expect(t.separator).toBe("\n");
    expect(parsed(vqa).variables[1]?.default).toBe("What is this?");
  });

  it("reports schema problems with their JSON paths", () => {
    expect(issues({ ...captioning, name: "  " })).toEqual([{ path: ["name"], message: "a template needs a name" }]);
    const unknownBlock = issues({ ...captioning, query: { blocks: [{ type: "video" }] } });
    expect(unknownBlock[0]?.path).toEqual(["query", "blocks", 0, "type"]);
    const badAsset = issues({ ...captioning, shots: [{ blocks: [img("XYZ")], answer: "" }] });
    expect(badAsset).toEqual([{ path: ["shots", 0, "blocks", 0, "source", "assetId"], message: "must be a 64-character lowercase hex SHA-256" }]);
    expect(issues({ ...captioning, extra: 1 })[0]?.path).toEqual([]);
    expect(issues({ ...captioning, formatVersion: 0 })[0]).toEqual({ path: ["formatVersion"], message: "formatVersion must be 1" });
    expect(issues(null)[0]?.path).toEqual([]);
    expect(issues({ ...captioning, query: { blocks: [] } })[0]?.path).toEqual(["query", "blocks"]);
  });

  it("asks for an upgrade when the format version is newer", () => {
    expect(issues({ ...captioning, formatVersion: 2, whatever: true })).toEqual([
      { path: ["formatVersion"], message: expect.stringMatching(/format version 2, newer .*upgrade the app/) },
    ]);
  });

  it("finds undeclared, mis-kinded and duplicate variables, with paths", () => {
    const doc = {
      ...vqa,
      variables: [...(vqa.variables ?? []), { name: "question", kind: "text" }, { name: "pic", kind: "image", default: "x" }],
      preamble: [text("Use {{ tone }}."), { type: "image", source: { kind: "variable", name: "question" } }],
      shots: [{ blocks: [text("{{query_image}}")], answer: "{{missing}}" }],
    };
    expect(issues(doc)).toEqual([
      { path: ["variables", 2, "name"], message: 'variable "question" is declared twice' },
      { path: ["variables", 3, "default"], message: "image variables cannot have a text default" },
      { path: ["preamble", 0, "text"], message: 'variable "{{tone}}" is used but not declared in "variables"' },
      { path: ["preamble", 1, "source", "name"], message: '"question" is a text variable; an image block needs an image variable' },
      { path: ["shots", 0, "blocks", 0, "text"], message: '"{{query_image}}" is an image variable; place it in an image block, not in text' },
      { path: ["shots", 0, "answer"], message: 'variable "{{missing}}" in an answer must be a declared text variable' },
    ]);
    expect(describeIssues([{ path: ["shots", 0, "answer"], message: "m" }, { path: [], message: "n" }])).toBe("shots[0].answer: m; (document): n");
  });

  it("lists referenced assets once, in order of first use", () => {
    const t = parsed({ ...captioning, preamble: [img(B)] });
    expect(assetIdsOf(t)).toEqual([B, A]);
    expect(assetIdsOf(parsed(vqa))).toEqual([A]);
  });
});

describe("render and serializePrompt", () => {
  it("renders captioning shots closed by <|endofchunk|> and leaves the query open", () => {
    const seq = render(parsed(captioning), { query_image: { assetId: "q".repeat(64) } });
    expect(seq.parts).toEqual([
      { type: "image", assetId: A },
      { type: "text", text: "Output:" },
      { type: "text", text: "A cat on a mat.", answer: true },
      { type: "endOfChunk" },
      { type: "text", text: "\n" },
      { type: "image", assetId: B },
      { type: "text", text: "Output:" },
      { type: "text", text: "Two dogs playing.", answer: true },
      { type: "endOfChunk" },
      { type: "text", text: "\n" },
      { type: "image", assetId: "q".repeat(64) },
      { type: "text", text: "Output:" },
    ]);
    expect(serializePrompt(seq)).toBe("<image>Output:A cat on a mat.<|endofchunk|>\n<image>Output:Two dogs playing.<|endofchunk|>\n<image>Output:");
    expect(imagesOf(seq)).toEqual([A, B, "q".repeat(64)]);
    // A model that reads one string sees the answers merged into their chunks' text.
    expect(unmarkAnswers(seq).parts[1]).toEqual({ type: "text", text: "Output:A cat on a mat." });
  });

  it("fills text variables from bindings or defaults, and keeps only the last N shots", () => {
    const t = parsed(vqa);
    const q = { assetId: B };
    expect(serializePrompt(render(t, { query_image: q }))).toBe(
      "<image>Question:What color is the cat? Short answer:black<|endofchunk|>\n<image>Question:What is this? Short answer:",
    );
    expect(serializePrompt(render(t, { query_image: q, question: "How many?" }, { shots: 0 }))).toBe("<image>Question:How many? Short answer:");
    expect(render(parsed(captioning), { query_image: q }, { shots: 1 }).parts[0]).toEqual({ type: "image", assetId: B });
  });

  it("treats typed special tokens as text and names unbound or mis-bound variables", () => {
    const t = parsed({ ...vqa, preamble: [text("<image> is literal")] });
    const seq = render(t, { query_image: { assetId: B } }, { shots: 0 });
    expect(seq.parts[0]).toEqual({ type: "text", text: "<image> is literal" });
    expect(imagesOf(seq)).toEqual([B]);
    expect(() => render(t, {})).toThrow(RenderError);
    expect(() => render(t, {})).toThrow(/image variable "query_image" has no image/);
    expect(() => render(t, { query_image: "text" })).toThrow(/bound to text/);
    expect(() => render(t, { query_image: { assetId: B }, question: { assetId: A } })).toThrow(/bound to an image/);
  });

  it("normalises sequences: adjacent text merged, empty text dropped", () => {
    expect(normalizeSequence([{ type: "text", text: "a" }, { type: "text", text: "" }, { type: "text", text: "b" }, { type: "endOfChunk" }]).parts).toEqual([
      { type: "text", text: "ab" },
      { type: "endOfChunk" },
    ]);
  });

  it("finds and splits placeholders", () => {
    expect(variablesInText("{{a}} and {{ b }} and {{a}} and {{ 1x }}")).toEqual(["a", "b"]);
    expect(splitPlaceholders("Q: {{ q }}?")).toEqual([{ text: "Q: " }, { text: "{{ q }}", variable: "q" }, { text: "?" }]);
  });
});
