import { describe, expect, it } from "vitest";
import {
  DEFAULT_RUN_PARAMS,
  addCell,
  duplicateCell,
  emptyNotebook,
  makeCell,
  moveCell,
  notebookAssetIds,
  parseNotebook,
  removeCell,
  setBinding,
  templateIdsOf,
  updateCell,
  type Notebook,
} from "@/lib/notebook";
import { fromPortable, toPortable } from "@/lib/exchange/notebooks";
import { fromSettings, paramsSummary, runRecord, savedScoreRows, toSettings } from "@/components/notebook/run-params";
import type { Template } from "@/lib/prompt/schema";

const A = "a".repeat(64);
const B = "b".repeat(64);
const inline: Template = {
  formatVersion: 1,
  name: "Inline",
  description: "",
  tags: [],
  variables: [{ name: "q", kind: "image" }],
  preamble: [],
  shots: [{ blocks: [{ type: "image", source: { kind: "asset", assetId: A } }, { type: "text", text: "Output:" }], answer: "x" }],
  query: { blocks: [{ type: "image", source: { kind: "variable", name: "q" } }, { type: "text", text: "Output:" }] },
  separator: "\n",
};

function sample(): Notebook {
  let nb = emptyNotebook("N");
  nb = addCell(nb, makeCell({ kind: "template", templateId: "t1", version: "latest", bindings: {} }, [], {}, "one"));
  nb = addCell(nb, makeCell({ kind: "inline", template: inline, bindings: { q: { assetId: B } } }, nb.cells.map((c) => c.id), { mode: "rank", candidates: ["x", "y"] }, "two"));
  return nb;
}

describe("notebook format", () => {
  it("fills defaults and reports problems with JSON paths, inline templates included", () => {
    const r = parseNotebook({ formatVersion: 1, name: "N", cells: [{ id: "c1", prompt: { kind: "template", templateId: "t1" } }] });
    expect(r.ok && r.notebook.cells[0]).toEqual({ id: "c1", title: "", prompt: { kind: "template", templateId: "t1", version: "latest", bindings: {} }, params: DEFAULT_RUN_PARAMS });
    const bad = parseNotebook({ formatVersion: 1, name: "N", cells: [{ id: "c1", prompt: { kind: "inline", template: { ...inline, variables: [] } } }] });
    expect(!bad.ok && bad.issues[0]!.path.slice(0, 4)).toEqual(["cells", 0, "prompt", "template"]);
    const newer = parseNotebook({ formatVersion: 9, name: "N" });
    expect(!newer.ok && newer.issues[0]!.message).toMatch(/upgrade/);
    const seeds = parseNotebook({ formatVersion: 1, name: "N", cells: [{ id: "c1", prompt: { kind: "template", templateId: "t" }, params: { seed: -1 } }] });
    expect(!seeds.ok && seeds.issues[0]!.path).toEqual(["cells", 0, "params", "seed"]);
  });

  it("edits are pure: add, move, duplicate (fresh id, right after), update, remove", () => {
    const nb = sample();
    const frozen = JSON.stringify(nb);
    const [one, two] = nb.cells;
    expect(moveCell(nb, two!.id, 0).cells.map((c) => c.title)).toEqual(["two", "one"]);
    expect(moveCell(nb, one!.id, 99).cells.map((c) => c.title)).toEqual(["two", "one"]);
    const dup = duplicateCell(nb, one!.id);
    expect(dup.notebook.cells.map((c) => c.title)).toEqual(["one", "one (copy)", "two"]);
    expect(new Set(dup.notebook.cells.map((c) => c.id)).size).toBe(3);
    expect(updateCell(nb, two!.id, (c) => ({ ...c, title: "2" })).cells[1]!.title).toBe("2");
    expect(updateCell(nb, "nope", (c) => ({ ...c, title: "2" }))).toBe(nb);
    expect(removeCell(nb, one!.id).cells.map((c) => c.title)).toEqual(["two"]);
    expect(JSON.stringify(nb)).toBe(frozen);
    expect(setBinding({ a: "1" }, "a", "")).toEqual({});
    expect(templateIdsOf(nb)).toEqual(["t1"]);
    expect(notebookAssetIds(nb).sort()).toEqual([A, B]);
  });

  it("portable documents name templates instead of ids, and come back", () => {
    const nb = sample();
    const portable = toPortable(nb, () => ({ library: "L", name: "T" })) as { cells: { prompt: Record<string, unknown> }[] };
    expect(portable.cells[0]!.prompt).toEqual({ kind: "template", template: { library: "L", name: "T" }, version: "latest", bindings: {} });
    expect(fromPortable(portable, () => "t1").document).toEqual(nb);
    expect(fromPortable(portable, () => undefined).issues[0]!.path).toEqual(["cells", 0, "prompt", "template"]);
  });
});

describe("cell run parameters", () => {
  it("round-trips through the run form and clamps what the form allows", () => {
    const p = { ...DEFAULT_RUN_PARAMS, decoding: "sampling" as const, stop: ["\n"], seed: 7 };
    expect(fromSettings(toSettings(p), p.backend, p.mode, p.candidates)).toEqual({ ...p, stop: [] });
    expect(fromSettings({ ...toSettings(p), maxTokens: 9999, minTokens: Number.NaN, stop: "END\n" }, "server", "generate", [])).toMatchObject({ maxTokens: 256, minTokens: 0, stop: ["END"], backend: "server" });
    expect(paramsSummary({ ...DEFAULT_RUN_PARAMS, backend: "server" })).toBe("Server · greedy · ≤ 20 tokens");
  });

  it("turns a finished run into the record the API saves", () => {
    const prompt = { parts: [{ type: "text" as const, text: "Output:" }] };
    const rank = runRecord({
      cellId: "c",
      version: 2,
      params: DEFAULT_RUN_PARAMS,
      prompt,
      state: { kind: "rank", phase: "done", backend: "wasm", rows: savedScoreRows([{ candidate: "x", sum: -1, mean: -1, tokens: 1 }]), elapsedMs: 12, provider: { executionProvider: "wasm" } },
    });
    expect(rank).toMatchObject({ backend: "browser-wasm", provider: "wasm", output: { mode: "rank", scores: [{ candidate: "x", sum: -1, mean: -1, tokens: 1 }] }, timings: { totalMs: 12 } });
    expect(runRecord({ cellId: "c", version: 1, params: DEFAULT_RUN_PARAMS, prompt, state: { kind: "generate", phase: "error", backend: "server", tokens: [] } })).toBeNull();
  });
});
