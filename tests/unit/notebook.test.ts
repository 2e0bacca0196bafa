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
import { fromSettings, paramsSummary, ranOn, runRecord, savedScoreRows, targetOf, toSettings } from "@/components/notebook/run-params";
import { CellRunRecordSchema, MAX_STORED_EXCHANGE_CHARS } from "@/lib/notebook/run-record";
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

describe("engines in cells and saved runs", () => {
  const cell = (params: unknown) => ({ formatVersion: 1, name: "N", cells: [{ id: "c1", prompt: { kind: "template", templateId: "t1" }, params }] });

  it("a cell without an engine parses as before (the bundled model); with one it keeps it", () => {
    const old = parseNotebook(cell({ backend: "server" }));
    expect(old.ok && old.notebook.cells[0]!.params).toEqual({ ...DEFAULT_RUN_PARAMS, backend: "server" });
    expect(old.ok && "engine" in old.notebook.cells[0]!.params).toBe(false);
    const withEngine = parseNotebook(cell({ backend: "server", engine: "vllm-qwen" }));
    expect(withEngine.ok && withEngine.notebook.cells[0]!.params).toEqual({ ...DEFAULT_RUN_PARAMS, backend: "server", engine: "vllm-qwen" });
    const tooLong = parseNotebook(cell({ backend: "server", engine: "e".repeat(101) }));
    expect(!tooLong.ok && tooLong.issues[0]!.path).toEqual(["cells", 0, "params", "engine"]);
    const empty = parseNotebook(cell({ backend: "server", engine: "" }));
    expect(empty.ok).toBe(false);
    expect(DEFAULT_RUN_PARAMS.backend).toBe("wasm");
  });

  it("the form stores the engine (a server one, or a transformers.js one with a browser backend), and never the bundled one", () => {
    const s = toSettings(DEFAULT_RUN_PARAMS);
    expect(fromSettings(s, { backend: "server", engine: "e1" }, "generate", [])).toMatchObject({ backend: "server", engine: "e1" });
    expect(fromSettings(s, { backend: "server", engine: "flamingo-mini" }, "generate", [])).not.toHaveProperty("engine");
    expect(fromSettings(s, { backend: "wasm", engine: "e1" }, "generate", [])).toMatchObject({ backend: "wasm", engine: "e1" });
    expect(fromSettings(s, { backend: "wasm", engine: "flamingo-mini" }, "generate", [])).not.toHaveProperty("engine");
    expect(targetOf({ backend: "server", engine: "e1" })).toEqual({ backend: "server", engine: "e1" });
    expect(targetOf({ backend: "webgpu", engine: "e1" })).toEqual({ backend: "webgpu", engine: "e1" });
    expect(targetOf({ backend: "webgpu" })).toEqual({ backend: "webgpu" });
    expect(paramsSummary({ ...DEFAULT_RUN_PARAMS, backend: "server", engine: "e1" }, "vLLM · Qwen")).toBe("vLLM · Qwen · greedy · ≤ 20 tokens");
    expect(paramsSummary({ ...DEFAULT_RUN_PARAMS, backend: "server", engine: "e1" })).toBe("Engine e1 · greedy · ≤ 20 tokens");
    expect(ranOn("remote", "remote", { engine: "vLLM", model: "Qwen" })).toBe("vLLM · Qwen");
    expect(ranOn("server", "cpu", { engine: "flamingo-mini", model: "flamingo-mini" })).toBe("Server · CPU");
  });

  const prompt = { parts: [{ type: "text" as const, text: "Output:" }] };
  const exchange = {
    url: "http://gpu-1:8000/v1/chat/completions",
    status: 200,
    request: { model: "Qwen", messages: [{ role: "user", content: "…" }], prompt_logprobs: 1 },
    response: { choices: [{ message: { content: "dax" } }] },
  };

  it("a remote run records its engine, model, method, latency, usage and exchange, and the API accepts it", () => {
    const params = { ...DEFAULT_RUN_PARAMS, backend: "server" as const, engine: "e1", mode: "rank" as const, candidates: ["dax", "blicket"] };
    const rank = runRecord({
      cellId: "c",
      version: 1,
      params,
      prompt,
      state: {
        kind: "rank",
        phase: "done",
        backend: "server",
        engine: "e1",
        remote: true,
        rows: savedScoreRows([
          { candidate: "dax", sum: -0.2, mean: -0.2, tokens: 0 },
          { candidate: "blicket", sum: -2, mean: -2, tokens: 0 },
        ]),
        elapsedMs: 420,
        provider: { executionProvider: "remote" },
        method: "first_token_logprobs",
        approximate: true,
        note: "the engine returned no prompt log-probabilities",
        model: "Qwen/Qwen2.5-VL-7B-Instruct",
        usage: { promptTokens: 120, completionTokens: 1 },
        latencyMs: 400,
        exchange,
      },
    });
    expect(rank).toMatchObject({
      backend: "remote",
      provider: "remote",
      model: "Qwen/Qwen2.5-VL-7B-Instruct",
      params: { engine: "e1" },
      output: { mode: "rank", method: "first_token_logprobs", approximate: true, note: "the engine returned no prompt log-probabilities", engine: "e1", latencyMs: 400, usage: { promptTokens: 120, completionTokens: 1 }, exchange },
    });
    expect(CellRunRecordSchema.safeParse(rank).success).toBe(true);

    const generate = runRecord({
      cellId: "c",
      version: 1,
      params: { ...params, mode: "generate" },
      prompt,
      state: {
        kind: "generate",
        phase: "done",
        backend: "server",
        engine: "e1",
        remote: true,
        tokens: [],
        result: {
          text: "dax",
          tokenIds: [],
          finishReason: "stop_token",
          usage: { promptTokens: 120, completionTokens: 2, images: 1 },
          timings: { encodeMs: 0, prefillMs: 0, decodeMs: 0, tokensPerSecond: 0 },
          executionProvider: "remote",
          engine: "e1",
          model: "Qwen/Qwen2.5-VL-7B-Instruct",
          latencyMs: 812,
          exchange: { ...exchange, response: { big: "x".repeat(MAX_STORED_EXCHANGE_CHARS) } },
        },
      },
    });
    expect(generate).toMatchObject({ backend: "remote", output: { mode: "generate", text: "dax", engine: "e1", latencyMs: 812, usage: { promptTokens: 120, completionTokens: 2 } }, timings: { totalMs: 812 } });
    const saved = generate!.output.mode === "generate" ? generate!.output.exchange : undefined;
    expect(saved?.request).toEqual(exchange.request);
    expect(String(saved?.response)).toMatch(/truncated/);
    expect(CellRunRecordSchema.safeParse(generate).success).toBe(true);
  });

  it("a candidate with no probability (−∞) is saved as null and read back as −∞", () => {
    const rows = savedScoreRows([
      { candidate: "dax", sum: 0, mean: 0, tokens: 0 },
      { candidate: "blicket", sum: null, mean: null, tokens: 0 },
    ]);
    expect(rows.map((r) => [r.candidate, r.sum, r.best])).toEqual([
      ["dax", 0, true],
      ["blicket", -Infinity, false],
    ]);
    const rec = runRecord({
      cellId: "c",
      version: 1,
      params: DEFAULT_RUN_PARAMS,
      prompt,
      state: { kind: "rank", phase: "done", backend: "server", engine: "e1", remote: true, rows, elapsedMs: 5, provider: { executionProvider: "remote" }, method: "generate_match", approximate: true },
    });
    expect(rec!.output.mode === "rank" && rec!.output.scores.map((x) => x.sum)).toEqual([0, null]);
    expect(CellRunRecordSchema.safeParse(JSON.parse(JSON.stringify(rec))).success).toBe(true);
  });

  it("runs saved before engines still parse; a bundled server run names its engine, a browser run none", () => {
    const old = { cellId: "c", version: 1, backend: "server", provider: "cpu", model: "flamingo-mini", params: DEFAULT_RUN_PARAMS, prompt, output: { mode: "generate", text: "a" }, timings: { totalMs: 1 } };
    expect(CellRunRecordSchema.safeParse(old).success).toBe(true);
    expect(CellRunRecordSchema.safeParse({ ...old, output: { mode: "rank", scores: [{ candidate: "a", sum: -1, mean: -1, tokens: 1 }], method: "magic" } }).success).toBe(false);
    const result = { text: "a", tokenIds: [1], finishReason: "stop_token" as const, usage: { promptTokens: 3, completionTokens: 1, images: 0 }, timings: { encodeMs: 1, prefillMs: 1, decodeMs: 1, tokensPerSecond: 5 }, executionProvider: "cpu" };
    const server = runRecord({ cellId: "c", version: 1, params: DEFAULT_RUN_PARAMS, prompt, state: { kind: "generate", phase: "done", backend: "server", tokens: [], result: { ...result, engine: "flamingo-mini", latencyMs: 9 } } });
    expect(server).toMatchObject({ backend: "server", output: { engine: "flamingo-mini", latencyMs: 9 } });
    expect(server!.output).not.toHaveProperty("exchange");
    const browser = runRecord({ cellId: "c", version: 1, params: DEFAULT_RUN_PARAMS, prompt, state: { kind: "generate", phase: "done", backend: "wasm", tokens: [], result } });
    expect(browser!.output).not.toHaveProperty("engine");
    expect(CellRunRecordSchema.safeParse(server).success && CellRunRecordSchema.safeParse(browser).success).toBe(true);
  });
});
