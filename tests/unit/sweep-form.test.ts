import { describe, expect, it } from "vitest";
import { cellCount, fieldErrors, FORM_DEFAULTS, localErrors, parseShotList, suggestTemplate, toggleShot, toRequest, type SweepFormState } from "@/lib/sweeps/client/form";
import { defaultEngines, describeEngineOption, reconcileEngines, toggleEngine } from "@/lib/sweeps/client/engines";
import type { DetectedCapabilities, EngineSummary } from "@/lib/engines/types";
import { sweepLabels } from "@/lib/sweeps/client/labels";
import { meanChance } from "@/lib/sweeps/client/grid";
import type { SweepConfig } from "@/lib/sweeps/types";

const form = (over: Partial<SweepFormState> = {}): SweepFormState => ({ ...FORM_DEFAULTS, templateId: "t", datasetId: "d", ...over });

describe("new comparison form", () => {
  it("sends only what was chosen, shots sorted; 0 means the server's default (latest version, every query)", () => {
    expect(toRequest(form({ shots: [8, 0, 2] }))).toEqual({
      templateId: "t",
      datasetId: "d",
      shots: [0, 2, 8],
      seeds: 1,
      selections: ["random"],
      backend: "server",
      engines: ["flamingo-mini"],
      mode: "rank",
    });
    expect(toRequest(form({ name: "  A  ", templateVersion: 3, queries: 40, mode: "generate", maxTokens: 8 }))).toMatchObject({ name: "A", templateVersion: 3, queries: 40, maxTokens: 8 });
  });

  it("chips toggle; typed shot counts parse, and bad pieces are named", () => {
    expect(toggleShot([0, 1, 4], 1)).toEqual([0, 4]);
    expect(toggleShot([0, 4], 2)).toEqual([0, 2, 4]);
    expect(parseShotList("3, 5 12;6")).toEqual({ shots: [3, 5, 12, 6], invalid: [] });
    expect(parseShotList("3 x -1")).toEqual({ shots: [3], invalid: ["x", "-1"] });
  });

  it("counts cells: queries × shot counts × (seeds per random/balanced, one for RICES)", () => {
    expect(cellCount(form({ shots: [0, 1, 2, 4, 8], seeds: 1 }), 32)).toBe(160);
    expect(cellCount(form({ shots: [0, 8], seeds: 3, selections: ["random", "balanced", "rices"], queries: 10 }), 32)).toBe(10 * 2 * 7);
    expect(cellCount(form({ queries: 100 }), 32)).toBe(32 * 7);
  });

  it("puts the API's details on their fields, the rest on the form", () => {
    expect(fieldErrors([{ path: ["shots", 2], message: "at most 63 shots" }, { path: ["templateId"], message: "unknown" }, { message: "no" }, { path: ["other"], message: "x" }])).toEqual({
      shots: ["at most 63 shots"],
      templateId: ["unknown"],
      form: ["no", "x"],
    });
  });

  it("checks the obvious locally", () => {
    expect(localErrors(form())).toEqual({});
    expect(Object.keys(localErrors(form({ templateId: "", shots: [], selections: [], seeds: 0, mode: "generate", maxTokens: Number.NaN })))).toEqual(["templateId", "shots", "selections", "seeds", "maxTokens"]);
  });

  it("suggests a template tagged with the dataset's task", () => {
    const ts = [
      { name: "Captions", tags: ["captioning"] },
      { name: "Novel", tags: ["classification"] },
      { name: "Visual question answering", tags: ["paper format"] },
    ];
    expect(suggestTemplate(ts, "classification")?.name).toBe("Novel");
    expect(suggestTemplate(ts, "vqa")?.name).toBe("Visual question answering");
    expect(suggestTemplate(ts, "other")).toBeUndefined();
  });
});

describe("engines in the form", () => {
  const caps = (over: Partial<DetectedCapabilities> = {}): DetectedCapabilities => ({
    testedAt: "2026-12-01T00:00:00Z",
    ok: true,
    models: ["Qwen/Qwen2.5-VL-7B-Instruct"],
    multiImage: true,
    topLogprobs: true,
    promptLogprobs: true,
    echoLogprobs: false,
    rankMethod: "prompt_logprobs",
    steps: [],
    ...over,
  });
  const engine = (id: string, over: Partial<EngineSummary> = {}): EngineSummary => ({
    id,
    name: id,
    kind: "openai",
    source: "stored",
    readOnly: false,
    settings: {
      baseUrl: "http://gpu-1:8000/v1",
      model: "Qwen/Qwen2.5-VL-7B-Instruct",
      timeoutMs: 60_000,
      maxConcurrency: 4,
      maxImages: null,
      image: { format: "jpeg", maxSide: 1024 },
      promptStyle: "interleaved",
      systemPrompt: null,
    },
    hasApiKey: false,
    headerNames: [],
    capabilities: caps(),
    createdAt: null,
    updatedAt: null,
    ...over,
  });
  const bundled = engine("flamingo-mini", { kind: "bundled", source: "bundled", readOnly: true, settings: null, capabilities: null });
  const list = [engine("eng_a"), bundled, engine("eng_b")];

  it("the server request names the engines (deduplicated, in order); the browser backend sends none", () => {
    expect(toRequest(form({ engines: ["eng_b", "flamingo-mini", "eng_b"] })).engines).toEqual(["eng_b", "flamingo-mini"]);
    expect(toRequest(form({ backend: "browser", engines: ["eng_b"] }))).not.toHaveProperty("engines");
  });

  it("the cell count multiplies by the engines on the server, not in the browser", () => {
    expect(cellCount(form({ shots: [0, 1], engines: ["flamingo-mini", "eng_a", "eng_b"] }), 10)).toBe(10 * 2 * 3);
    expect(cellCount(form({ shots: [0, 1], engines: ["flamingo-mini", "eng_a"], backend: "browser" }), 10)).toBe(10 * 2);
    expect(cellCount(form({ shots: [0, 1], engines: [] }), 10)).toBe(0);
  });

  it("no engine is refused beside the field, locally and from the server's details", () => {
    expect(localErrors(form({ engines: [] }))).toEqual({ engines: ["Choose at least one engine"] });
    expect(localErrors(form({ engines: Array.from({ length: 9 }, (_, i) => `e${i}`) })).engines).toEqual(["At most 8 engines"]);
    expect(localErrors(form({ engines: [], backend: "browser" }))).toEqual({});
    expect(fieldErrors([{ path: ["engines", 1], message: "no such engine" }, { path: ["engines"], message: "pick at least one engine" }])).toEqual({ engines: ["no such engine", "pick at least one engine"] });
  });

  it("describes each engine: its kind, a remote one's model, and how it ranks (or that it was never tested)", () => {
    expect(describeEngineOption(bundled)).toMatchObject({ kind: "Bundled", model: null, approximate: false, phrase: "Ranks exactly (log-likelihood)", warning: null });
    expect(describeEngineOption(engine("a"))).toMatchObject({
      kind: "Remote",
      model: "Qwen/Qwen2.5-VL-7B-Instruct",
      approximate: false,
      ranking: "exact, from prompt log-probabilities",
      phrase: "Ranks exactly (from prompt log-probabilities)",
    });
    expect(describeEngineOption(engine("b", { capabilities: caps({ rankMethod: "first_token_logprobs" }) }))).toMatchObject({
      approximate: true,
      phrase: "Ranks approximately (first-token log-probabilities)",
    });
    expect(describeEngineOption(engine("c", { capabilities: null }))).toMatchObject({ approximate: null, ranking: "not tested yet", phrase: "Ranking: not tested yet", warning: null });
    expect(describeEngineOption(engine("d", { capabilities: caps({ ok: false }) })).warning).toMatch(/test failed/);
    expect(describeEngineOption(engine("e", { capabilities: caps({ multiImage: false }) })).warning).toMatch(/one image/);
  });

  it("the bundled engine is checked by default; unknown ids are dropped once the registry is read", () => {
    expect(FORM_DEFAULTS.engines).toEqual(["flamingo-mini"]);
    expect(defaultEngines(list)).toEqual(["flamingo-mini"]);
    expect(defaultEngines([engine("x"), engine("y")])).toEqual(["x"]);
    expect(reconcileEngines(["flamingo-mini"], list)).toEqual(["flamingo-mini"]);
    expect(reconcileEngines(["gone", "eng_b"], list)).toEqual(["eng_b"]);
    expect(reconcileEngines(["gone"], [engine("x"), { ...bundled, id: "bundled-2" }])).toEqual(["bundled-2"]);
    expect(reconcileEngines([], list)).toEqual([]);
  });

  it("checking and unchecking keeps the registry's order", () => {
    const order = list.map((e) => e.id);
    expect(toggleEngine(["flamingo-mini"], "eng_a", true, order)).toEqual(["eng_a", "flamingo-mini"]);
    expect(toggleEngine(["eng_a", "flamingo-mini", "eng_b"], "flamingo-mini", false, order)).toEqual(["eng_a", "eng_b"]);
    expect(toggleEngine([], "eng_b", true, order)).toEqual(["eng_b"]);
  });
});

describe("labels of sweeps side by side", () => {
  const config = (over: Partial<SweepConfig> = {}): SweepConfig => ({
    templateId: "t1",
    templateVersion: 1,
    datasetId: "d",
    shots: [0],
    seeds: 1,
    selections: ["random"],
    backend: "server",
    engines: ["flamingo-mini"],
    mode: "rank",
    maxTokens: 16,
    queries: 10,
    model: "flamingo-mini",
    ...over,
  });
  const sweep = (name: string, templateName: string, over: Partial<SweepConfig> = {}) => ({ name, templateName, config: config(over), createdAt: "2026-01-01T00:00:00Z" });

  it("one sweep keeps its name", () => {
    expect(sweepLabels([sweep("A", "T")])).toEqual(["A"]);
  });
  it("names only what differs: template, version, model, mode", () => {
    expect(sweepLabels([sweep("A", "Cls"), sweep("B", "Caption", { templateId: "t2" })])).toEqual(["Cls", "Caption"]);
    expect(sweepLabels([sweep("A", "Cls"), sweep("B", "Cls", { templateVersion: 2 })])).toEqual(["Cls v1", "Cls v2"]);
    expect(sweepLabels([sweep("A", "Cls"), sweep("B", "Cls", { model: "other-model" })])).toEqual(["flamingo-mini", "other-model"]);
    expect(sweepLabels([sweep("A", "Cls"), sweep("B", "Cls", { mode: "generate" })])).toEqual(["rank", "generate"]);
  });
  it("falls back to the names, and tells identical ones apart", () => {
    expect(sweepLabels([sweep("A", "Cls"), sweep("B", "Cls")])).toEqual(["A", "B"]);
    expect(sweepLabels([sweep("A", "Cls"), sweep("A", "Cls")])).toEqual(["A (this)", "A (other)"]);
  });
});

describe("chance level", () => {
  it("1 / candidates, per item, else every distinct answer", () => {
    expect(meanChance([{ candidates: null }, { candidates: null }], ["a", "b", "a"])).toBe(0.5);
    expect(meanChance([{ candidates: ["a", "b", "c", "d"] }, { candidates: null }], ["a", "b"])).toBeCloseTo((0.25 + 0.5) / 2, 10);
    expect(meanChance([], ["a", "b"])).toBeUndefined();
    expect(meanChance([{ candidates: null }], ["a"])).toBeUndefined();
  });
});
