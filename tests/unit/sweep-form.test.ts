import { describe, expect, it } from "vitest";
import { cellCount, fieldErrors, FORM_DEFAULTS, localErrors, parseShotList, suggestTemplate, toggleShot, toRequest, type SweepFormState } from "@/lib/sweeps/client/form";
import { sweepLabels } from "@/lib/sweeps/client/labels";
import { meanChance } from "@/lib/sweeps/client/grid";
import type { SweepConfig } from "@/lib/sweeps/types";

const form = (over: Partial<SweepFormState> = {}): SweepFormState => ({ ...FORM_DEFAULTS, templateId: "t", datasetId: "d", ...over });

describe("new comparison form", () => {
  it("sends only what was chosen, shots sorted; 0 means the server's default (latest version, every query)", () => {
    expect(toRequest(form({ shots: [8, 0, 2] }))).toEqual({ templateId: "t", datasetId: "d", shots: [0, 2, 8], seeds: 1, selections: ["random"], backend: "server", mode: "rank" });
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

describe("labels of sweeps side by side", () => {
  const config = (over: Partial<SweepConfig> = {}): SweepConfig => ({
    templateId: "t1",
    templateVersion: 1,
    datasetId: "d",
    shots: [0],
    seeds: 1,
    selections: ["random"],
    backend: "server",
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
