import { describe, expect, it } from "vitest";
import { DRAFT_MAX_AGE_MS, DRAFT_PREFIX, decodeDraft, draftKey, draftTimeLabel, encodeDraft, loadDraft, newerDraftVersion, staleDraftKeys, type DraftStorage } from "@/components/ui/drafts";
import { leavesPage } from "@/components/ui/leave-guard";
import { DEFAULT_BACKEND, defaultRunMode, emptyOutputReason, shotsIn, variablesToBind } from "@/components/run/options";
import { imageVariableSlot, type Doc } from "@/components/composer/document-ops";
import { DEFAULT_STARTER, QUERY_IMAGE, STARTER_IDS, isStarterId, starters, type ExampleAssetIds } from "@/components/editor/starters";
import { startHint } from "@/components/notebook/run-params";
import { isSoftwareAdapter } from "@/lib/backends/browser/browser-env";
import { exampleTemplates } from "@/lib/examples/templates";
import { EXAMPLE_IMAGE_FILES } from "@/lib/examples/catalog";
import { render } from "@/lib/prompt/render";
import { TemplateSchema } from "@/lib/prompt/schema";
import { parseTemplate } from "@/lib/prompt/validate";

class MemoryStorage implements DraftStorage {
  readonly map = new Map<string, string>();
  get length() {
    return this.map.size;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

const NOW = Date.UTC(2026, 2, 14, 12, 30);
const hex = (n: number) => n.toString(16).padStart(64, "0");

describe("drafts kept in the browser", () => {
  it("are keyed by document and the version the edits started from", () => {
    expect(draftKey("template", "t1", 3)).toBe(`${DRAFT_PREFIX}template:t1@v3`);
    expect(draftKey("notebook", "n/1", 1)).toBe(`${DRAFT_PREFIX}notebook:n%2F1@v1`);
    expect(draftKey("template", "new")).toBe(`${DRAFT_PREFIX}template:new`);
    expect(draftKey("template", "t1", 3)).not.toBe(draftKey("template", "t1", 4));
  });

  it("read back what was written; expired, future, foreign and corrupt ones read as none", () => {
    expect(decodeDraft(encodeDraft({ a: 1 }, NOW - 1000), NOW)).toEqual({ savedAt: NOW - 1000, value: { a: 1 } });
    expect(decodeDraft(encodeDraft("text", NOW - DRAFT_MAX_AGE_MS + 1), NOW)?.value).toBe("text");
    expect(decodeDraft(encodeDraft("text", NOW - DRAFT_MAX_AGE_MS - 1), NOW)).toBeNull();
    expect(decodeDraft(encodeDraft("text", NOW - 10_000), NOW, 5_000)).toBeNull();
    expect(decodeDraft(encodeDraft("text", NOW + 3_600_000), NOW)).toBeNull();
    expect(decodeDraft("{not json", NOW)).toBeNull();
    expect(decodeDraft(JSON.stringify({ v: 2, savedAt: NOW, value: 1 }), NOW)).toBeNull();
    expect(decodeDraft(JSON.stringify({ v: 1, savedAt: "yesterday", value: 1 }), NOW)).toBeNull();
    expect(decodeDraft(null, NOW)).toBeNull();
  });

  it("loading one drops every stale draft, and leaves other keys alone", () => {
    const s = new MemoryStorage();
    s.setItem(draftKey("template", "fresh", 1), encodeDraft("mine", NOW - 60_000));
    s.setItem(draftKey("template", "old", 1), encodeDraft("old", NOW - DRAFT_MAX_AGE_MS - 1));
    s.setItem(draftKey("notebook", "broken", 2), "garbage");
    s.setItem("someone-else", "garbage");
    expect(staleDraftKeys(s, NOW).sort()).toEqual([draftKey("notebook", "broken", 2), draftKey("template", "old", 1)].sort());
    expect(loadDraft(s, draftKey("template", "fresh", 1), NOW)).toEqual({ savedAt: NOW - 60_000, value: "mine" });
    expect([...s.map.keys()].sort()).toEqual([draftKey("template", "fresh", 1), "someone-else"].sort());
    expect(loadDraft(s, draftKey("template", "missing", 1), NOW)).toBeNull();
  });

  it("a draft based on a newer version than the page shows means the page is out of date", () => {
    const s = new MemoryStorage();
    s.setItem(draftKey("notebook", "n1", 2), encodeDraft({}, NOW));
    s.setItem(draftKey("notebook", "n1", 5), encodeDraft({}, NOW - DRAFT_MAX_AGE_MS - 1));
    s.setItem(draftKey("notebook", "n10", 9), encodeDraft({}, NOW));
    s.setItem(draftKey("template", "n1", 7), encodeDraft("", NOW));
    expect(newerDraftVersion(s, "notebook", "n1", 1, NOW)).toBe(2);
    expect(newerDraftVersion(s, "notebook", "n1", 2, NOW)).toBeNull();
    expect(newerDraftVersion(s, "template", "n1", 3, NOW)).toBe(7);
    expect(newerDraftVersion(s, "template", "new", 0, NOW)).toBeNull();
  });

  it("say when they were written: the time today, the day and time before", () => {
    expect(draftTimeLabel(NOW - 5 * 60_000, NOW, "UTC")).toBe("12:25");
    expect(draftTimeLabel(NOW - 2 * 24 * 3_600_000, NOW, "UTC")).toBe("12 Mar, 12:30");
  });
});

describe("the leave guard: which clicks leave the page", () => {
  const here = { origin: "http://localhost:3000", pathname: "/templates/t1/edit", search: "" };
  const click = { button: 0, modifier: false, defaultPrevented: false };
  const a = (href: string, more: Partial<{ target: string; download: boolean }> = {}) => ({ href, target: "", download: false, ...more });
  it("another page of the app, from the top bar, a breadcrumb or any link", () => {
    expect(leavesPage(click, a("http://localhost:3000/notebooks"), here)).toBe(true);
    expect(leavesPage(click, a("http://localhost:3000/templates/t1"), here)).toBe(true);
    expect(leavesPage(click, a("http://localhost:3000/templates/t1/edit?from=1"), here)).toBe(true);
  });
  it("not: a fragment of this page, new tabs, downloads, other windows, other sites, handled clicks", () => {
    expect(leavesPage(click, a("http://localhost:3000/templates/t1/edit#main"), here)).toBe(false);
    expect(leavesPage({ ...click, modifier: true }, a("http://localhost:3000/"), here)).toBe(false);
    expect(leavesPage({ ...click, button: 1 }, a("http://localhost:3000/"), here)).toBe(false);
    expect(leavesPage({ ...click, defaultPrevented: true }, a("http://localhost:3000/"), here)).toBe(false);
    expect(leavesPage(click, a("http://localhost:3000/api/x/export", { download: true }), here)).toBe(false);
    expect(leavesPage(click, a("http://localhost:3000/templates/t1", { target: "_blank" }), here)).toBe(false);
    expect(leavesPage(click, a("http://localhost:3000/", { target: "_self" }), here)).toBe(true);
    expect(leavesPage(click, a("https://example.org/"), here)).toBe(false);
    expect(leavesPage(click, a("mailto:someone@example.org"), here)).toBe(false);
    expect(leavesPage(click, a(""), here)).toBe(false);
  });
});

describe("what a template is for -> the Run mode it opens on", () => {
  const examples = exampleTemplates((file) => hex(EXAMPLE_IMAGE_FILES.indexOf(file) + 1)).map((t) => TemplateSchema.parse(t));
  const byName = (prefix: string) => examples.find((t) => t.name.startsWith(prefix))!;
  it("the dax/blicket and yes/no examples rank; captioning, VQA and comparison generate", () => {
    expect(defaultRunMode(byName("Classification with novel words"))).toBe("rank");
    expect(defaultRunMode(byName("Yes/no"))).toBe("rank");
    expect(defaultRunMode(byName("Image captioning"))).toBe("generate");
    expect(defaultRunMode(byName("Visual question answering"))).toBe("generate");
    expect(defaultRunMode(byName("Two-image comparison"))).toBe("generate");
  });
  it("repeated answers mean a closed set; a closed-ended tag without answers to rank still generates; tags alone decide for a summary", () => {
    expect(defaultRunMode({ tags: [], shots: [{ answer: "yes" }, { answer: "no" }, { answer: "yes" }] })).toBe("rank");
    expect(defaultRunMode({ tags: ["closed-ended"], shots: [] })).toBe("generate");
    expect(defaultRunMode({ tags: ["Classification"] })).toBe("rank");
    expect(defaultRunMode({ tags: ["captioning"] })).toBe("generate");
  });
  it("one default backend everywhere: WebGPU, falling back to WASM (a software adapter counts as none)", () => {
    expect(DEFAULT_BACKEND).toBe("webgpu");
    expect(isSoftwareAdapter({ info: { isFallbackAdapter: true } })).toBe(true);
    expect(isSoftwareAdapter({ isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ info: { isFallbackAdapter: false } })).toBe(false);
    expect(isSoftwareAdapter({})).toBe(false);
  });
});

describe("empty answers explain themselves", () => {
  it("<|endofchunk|> first with 0 shots: no example of the answer's form", () => {
    const r = emptyOutputReason({ text: "", finishReason: "stop_token", completionTokens: 0, shots: 0 });
    expect(r).toBe("The model ended the answer at once (<|endofchunk|> as the first token): with 0 shots it has no example of the answer's form — add a demonstration or use Rank.");
  });
  it("with shots, whitespace only, a stop string at once, max tokens, remote engines; nothing to say about real text", () => {
    expect(emptyOutputReason({ text: "", finishReason: "stop_token", completionTokens: 0, shots: 2 })).toMatch(/^The model ended the answer at once .*Min tokens/);
    expect(emptyOutputReason({ text: " \n", finishReason: "stop_token", completionTokens: 2, shots: 1 })).toMatch(/^The model wrote only whitespace \(2 tokens\)/);
    expect(emptyOutputReason({ text: "", finishReason: "stop_string", completionTokens: 1, shots: 1 })).toMatch(/stop string matched at the very start/);
    expect(emptyOutputReason({ text: "  ", finishReason: "max_tokens", completionTokens: 3, shots: 0 })).toMatch(/All 3 tokens went on whitespace/);
    expect(emptyOutputReason({ text: "", finishReason: "stop_token", completionTokens: 0, shots: 0, remote: true })).toMatch(/its end-of-answer token/);
    expect(emptyOutputReason({ text: "", finishReason: "unknown", completionTokens: 0, shots: 1 })).toBe("The model returned no text (0 tokens).");
    expect(emptyOutputReason({ text: "dax", finishReason: "stop_token", completionTokens: 1, shots: 0 })).toBeNull();
  });
  it("counts the demonstrations in the prompt that ran", () => {
    const t = TemplateSchema.parse(exampleTemplates((file) => hex(EXAMPLE_IMAGE_FILES.indexOf(file) + 1))[2]);
    expect(shotsIn(render(t))).toBe(4);
    expect(shotsIn(render(t, {}, { shots: 0 }))).toBe(0);
  });
});

describe("starting from scratch", () => {
  const ids: ExampleAssetIds = Object.fromEntries(EXAMPLE_IMAGE_FILES.map((f, i) => [f, hex(i + 1)]));
  it("three starters, each a valid template that runs once {{query_image}} is bound (a sample is)", () => {
    const all = starters(ids);
    expect(all.map((s) => s.id)).toEqual([...STARTER_IDS]);
    expect(isStarterId(DEFAULT_STARTER)).toBe(true);
    expect(isStarterId("nope")).toBe(false);
    for (const s of all) {
      const parsed = parseTemplate(s.document);
      expect(parsed.ok, s.id).toBe(true);
      if (!parsed.ok) continue;
      expect(parsed.template.shots.length, s.id).toBe(2);
      expect(() => render(parsed.template), s.id).toThrow(/query_image/);
      expect(s.bindings[QUERY_IMAGE]).toEqual({ assetId: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(shotsIn(render(parsed.template, s.bindings))).toBe(2);
    }
    expect(all.map((s) => defaultRunMode(TemplateSchema.parse(s.document)))).toEqual(["rank", "generate", "generate"]);
  });
  it("without the example images: zero-shot starters, still valid, and no sample binding", () => {
    for (const s of starters({})) {
      expect(parseTemplate(s.document).ok, s.id).toBe(true);
      expect(s.document.shots).toEqual([]);
      expect(s.bindings).toEqual({});
    }
  });
  it("an image put into a chunk with a variable's slot fills the variable (the slot dropped on, else the first unbound)", () => {
    const doc: Doc = {
      formatVersion: 1,
      name: "x",
      variables: [
        { name: "a", kind: "image" },
        { name: "b", kind: "image" },
      ],
      shots: [{ id: "s1", blocks: [{ id: "b0", type: "text", text: "Output:" }], answer: "x" }],
      query: {
        blocks: [
          { id: "q1", type: "image", source: { kind: "variable", name: "a" } },
          { id: "q2", type: "image", source: { kind: "variable", name: "b" } },
          { id: "q3", type: "text", text: "Output:" },
        ],
      },
    };
    const none = () => false;
    expect(imageVariableSlot(doc, "query", null, none)).toBe("a");
    expect(imageVariableSlot(doc, "query", "q2", none)).toBe("b");
    expect(imageVariableSlot(doc, "query", "q3", none)).toBe("a");
    expect(imageVariableSlot(doc, "query", null, (n) => n === "a")).toBe("b");
    expect(imageVariableSlot(doc, "query", null, () => true)).toBe("a");
    // No slot in the chunk: the image is added.
    expect(imageVariableSlot(doc, "s1", null, none)).toBeNull();
    // A slot whose variable is not declared (the source is being edited) is no slot.
    expect(imageVariableSlot({ ...doc, variables: [] }, "query", null, none)).toBeNull();
  });
  it("the bindings form asks only for variables the prompt uses; an unbound one is where a cell starts", () => {
    const t = TemplateSchema.parse({
      formatVersion: 1,
      name: "x",
      variables: [
        { name: "query_image", kind: "image" },
        { name: "left_over", kind: "text" },
        { name: "question", kind: "text", default: "Why?" },
      ],
      query: { blocks: [{ type: "image", source: { kind: "variable", name: "query_image" } }, { type: "text", text: "Q:{{question}} A:" }] },
    });
    expect(variablesToBind(t).map((v) => v.name)).toEqual(["query_image", "question"]);
    expect(startHint(t, "query_image", true)).toMatch(/^Add an image and some text to start/);
    expect(startHint(t, "query_image", false)).toMatch(/^Add an image to start/);
    expect(startHint(t, "question", false)).toBe("Fill in {{question}} above to run this cell.");
    expect(startHint(t, "missing", false)).toBeNull();
  });
});
