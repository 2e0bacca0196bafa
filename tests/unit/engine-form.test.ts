import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api-client";
import { limitsSummary, probeConclusion } from "@/components/engines/describe";
import {
  applyPreset,
  emptyForm,
  fieldErrors,
  fieldForPath,
  formFromEngine,
  headerRow,
  isDirty,
  msToSeconds,
  parseForm,
  replaceHeaderRows,
  saveFailure,
  secondsToMs,
  type EngineFormValues,
} from "@/components/engines/form";
import type { DetectedCapabilities, EngineSummary } from "@/lib/engines/types";

const form = (over: Partial<EngineFormValues> = {}): EngineFormValues => ({ ...emptyForm(), name: " GPU box ", baseUrl: "http://gpu-box:8000/v1/", model: "Qwen/Qwen2.5-VL-7B-Instruct", ...over });

const stored: EngineSummary = {
  id: "e1",
  name: "GPU box",
  kind: "openai",
  source: "stored",
  readOnly: false,
  settings: {
    baseUrl: "http://gpu-box:8000/v1",
    model: "m",
    timeoutMs: 2500,
    maxConcurrency: 2,
    maxImages: 8,
    image: { format: "png", maxSide: null },
    promptStyle: "turns",
    systemPrompt: "Be brief.",
  },
  hasApiKey: true,
  headerNames: ["X-Team"],
  capabilities: null,
  createdAt: null,
  updatedAt: null,
};

describe("engine form: seconds and milliseconds", () => {
  it("converts both ways, rejecting what is not a positive number", () => {
    expect(msToSeconds(60_000)).toBe("60");
    expect(msToSeconds(2500)).toBe("2.5");
    expect(secondsToMs("60")).toBe(60_000);
    expect(secondsToMs(" 2.5 ")).toBe(2500);
    expect(secondsToMs(".5")).toBe(500);
    expect(secondsToMs("0.0004")).toBeNull();
    for (const bad of ["", "0", "-1", "1e3", "abc", "1.2.3"]) expect(secondsToMs(bad), bad).toBeNull();
  });
});

describe("engine form: request bodies", () => {
  it("a new engine: trimmed, defaults from the registry, no key or headers unless given", () => {
    const { errors, body } = parseForm(form());
    expect(errors).toEqual({});
    expect(body?.create).toEqual({
      name: "GPU box",
      baseUrl: "http://gpu-box:8000/v1",
      model: "Qwen/Qwen2.5-VL-7B-Instruct",
      timeoutMs: 60_000,
      maxConcurrency: 4,
      maxImages: null,
      image: { format: "jpeg", maxSide: 1024 },
      promptStyle: "interleaved",
      systemPrompt: null,
    });
  });

  it("empty longest side means as stored; a key, headers and a system prompt are sent when given; empty header rows are dropped", () => {
    const { body } = parseForm(
      form({ maxSide: "", apiKey: " sk-1 ", headers: [headerRow("X-Team", "a"), headerRow("", "")], timeoutSeconds: "1.5", maxImages: "3", systemPrompt: "Answer briefly." }),
    );
    expect(body?.create).toMatchObject({ maxImages: 3, image: { maxSide: null }, apiKey: "sk-1", headers: { "X-Team": "a" }, timeoutMs: 1500, systemPrompt: "Answer briefly." });
  });

  it("editing: an empty key keeps it, “Remove key” clears it; stored headers are kept unless replaced", () => {
    const values = formFromEngine(stored);
    expect(values).toMatchObject({ timeoutSeconds: "2.5", maxImages: "8", maxSide: "", imageFormat: "png", promptStyle: "turns", systemPrompt: "Be brief.", apiKey: "", replaceHeaders: false });
    const kept = parseForm(values, { editing: true }).body!.patch;
    expect(kept).not.toHaveProperty("apiKey");
    expect(kept).not.toHaveProperty("headers");
    expect(kept).toMatchObject({ name: "GPU box", timeoutMs: 2500, maxImages: 8, image: { format: "png", maxSide: null } });
    expect(parseForm({ ...values, removeKey: true }, { editing: true }).body!.patch.apiKey).toBeNull();
    expect(parseForm({ ...values, apiKey: "new" }, { editing: true }).body!.patch.apiKey).toBe("new");
    const rows = replaceHeaderRows(stored.headerNames).map((r) => ({ ...r, value: "b" }));
    expect(parseForm({ ...values, replaceHeaders: true, headers: rows }, { editing: true }).body!.patch.headers).toEqual({ "X-Team": "b" });
    // Replacing with no rows clears them all.
    expect(parseForm({ ...values, replaceHeaders: true, headers: [] }, { editing: true }).body!.patch.headers).toEqual({});
  });

  it("names what is wrong, per field", () => {
    const { errors, body } = parseForm(
      form({ name: " ", baseUrl: "gpu-box:8000", model: "", timeoutSeconds: "0", maxConcurrency: "1.5", maxImages: "0", maxSide: "big", headers: [headerRow("Bad Name", "x"), headerRow("", "v"), headerRow("X-A", "")] }),
    );
    expect(body).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(["baseUrl", "headers", "maxConcurrency", "maxImages", "maxSide", "model", "name", "timeout"]);
    expect(errors.headers).toHaveLength(3);
    expect(parseForm(form({ headers: [headerRow("X-A", "1"), headerRow("x-a", "2")] })).errors.headers).toEqual(["“x-a” is given twice."]);
  });

  it("checks the API's own rules before a round trip: ranges, reserved headers, the key alone", () => {
    expect(parseForm(form({ timeoutSeconds: "700" })).errors).toEqual({ timeout: ["Enter 1 to 600 seconds."] });
    expect(parseForm(form({ timeoutSeconds: "0.5" })).errors.timeout).toHaveLength(1);
    const { errors, body } = parseForm(form({ maxSide: "32", maxConcurrency: "65", maxImages: "1001", apiKey: "Bearer sk-1", headers: [headerRow("Authorization", "Bearer x")] }));
    expect(body).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(["apiKey", "headers", "maxConcurrency", "maxImages", "maxSide"]);
    expect(errors.maxSide).toEqual(["must be at least 64 (pixels)"]);
    expect(errors.headers?.[0]).toMatch(/^“Authorization” is sent from the API key field/);
    expect(parseForm(form({ headers: [headerRow("X-A", "   ")] })).errors.headers).toEqual(["Enter a value for “X-A”, or remove the row."]);
  });

  it("dirty only when something would be sent differently", () => {
    const values = formFromEngine(stored);
    expect(isDirty({ ...values }, values)).toBe(false);
    expect(isDirty({ ...values, model: "other" }, values)).toBe(true);
  });
});

describe("engine form: presets", () => {
  it("fill the base URL and the prompt style, nothing else", () => {
    const values = form({ name: "Mine", model: "llava" });
    expect(applyPreset(values, "vllm")).toEqual({ ...values, baseUrl: "http://localhost:8000/v1", promptStyle: "interleaved" });
    expect(applyPreset(values, "llama-server")).toMatchObject({ baseUrl: "http://localhost:8080/v1", promptStyle: "turns", name: "Mine", model: "llava" });
    expect(applyPreset(values, "ollama")).toMatchObject({ baseUrl: "http://localhost:11434/v1" });
  });
});

describe("engine form: the API's errors on their fields", () => {
  it("maps request paths to fields", () => {
    expect(fieldForPath(["baseUrl"])).toBe("baseUrl");
    expect(fieldForPath(["image", "maxSide"])).toBe("maxSide");
    expect(fieldForPath("image.maxSide")).toBe("maxSide");
    expect(fieldForPath(["image", "format"])).toBe("imageFormat");
    expect(fieldForPath(["timeoutMs"])).toBe("timeout");
    expect(fieldForPath(["headers", "X-Team"])).toBe("headers");
    expect(fieldForPath([])).toBe("form");
    expect(fieldForPath(undefined)).toBe("form");
    expect(fieldForPath(["somethingElse"])).toBe("form");
  });

  it("groups details; a 409 goes on the name; anything else only the form can show", () => {
    expect(fieldErrors([{ path: ["baseUrl"], message: "not a URL" }, { path: ["image", "maxSide"], message: "at most 4096" }, { message: "no" }])).toEqual({
      baseUrl: ["not a URL"],
      maxSide: ["at most 4096"],
      form: ["no"],
    });
    expect(saveFailure(new ApiError(400, "invalid", "Invalid", [{ path: ["model"], message: "required" }]))).toEqual({ errors: { model: ["required"] }, unplaced: false });
    expect(saveFailure(new ApiError(409, "conflict", "An engine named “GPU box” exists."))).toEqual({ errors: { name: ["An engine named “GPU box” exists."] }, unplaced: false });
    expect(saveFailure(new ApiError(500, "error", "boom"))).toEqual({ errors: {}, unplaced: true });
    expect(saveFailure(new Error("network"))).toEqual({ errors: {}, unplaced: true });
  });
});

describe("engine descriptions", () => {
  it("limits on one line", () => {
    expect(limitsSummary(stored.settings!)).toBe("timeout 2.5 s · 2 requests at once · up to 8 images · PNG, sizes as stored");
  });

  it("the test's conclusion: the rank method, multi-image, or the failed step", () => {
    const caps: DetectedCapabilities = {
      testedAt: "2026-12-06T11:00:00.000Z",
      ok: true,
      models: ["m"],
      multiImage: true,
      topLogprobs: true,
      promptLogprobs: true,
      echoLogprobs: false,
      rankMethod: "prompt_logprobs",
      steps: [{ name: "models", ok: true, detail: "1 model", ms: 12 }],
    };
    expect(probeConclusion(caps)).toBe("Ranking: exact, from prompt log-probabilities. Several images per prompt: yes.");
    expect(probeConclusion({ ...caps, ok: false, steps: [...caps.steps, { name: "one_image", ok: false, detail: "400 Bad Request", ms: 30 }] })).toBe(
      "Cannot run prompts yet: the step “Answers a prompt with one image” failed.",
    );
  });
});
