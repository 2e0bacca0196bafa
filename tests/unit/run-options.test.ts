import { describe, expect, it } from "vitest";
import {
  BACKENDS,
  DEFAULT_SETTINGS,
  barWidth,
  scoreRows,
  engineChoices,
  engineOf,
  imageLimitProblem,
  isRemoteTarget,
  normalizeTarget,
  rankMethodInfo,
  settingsForTarget,
  targetFromValue,
  targetValue,
  toGenerateParams,
} from "@/components/run/options";
import { capExchange, prettyJson, sanitizeExchange, stripUrlCredentials } from "@/components/run/exchange";
import { RANK_METHODS } from "@/lib/backends/contract";
import { DEFAULT_REMOTE_SETTINGS, type DetectedCapabilities, type EngineSummary } from "@/lib/engines/types";
import { RANK_METHOD_VALUES } from "@/lib/notebook/run-record";
import { GenerateParamsSchema } from "@/lib/runtime/requests";

const bundled: EngineSummary = {
  id: "flamingo-mini",
  name: "flamingo-mini",
  kind: "bundled",
  source: "bundled",
  readOnly: true,
  settings: null,
  hasApiKey: false,
  headerNames: [],
  capabilities: null,
  createdAt: null,
  updatedAt: null,
};

const caps = (over: Partial<DetectedCapabilities> = {}): DetectedCapabilities => ({
  testedAt: "2026-12-06T10:00:00.000Z",
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

const remote = (id: string, over: { maxImages?: number | null; capabilities?: DetectedCapabilities | null; name?: string; model?: string } = {}): EngineSummary => ({
  ...bundled,
  id,
  name: over.name ?? `vLLM ${id}`,
  kind: "openai",
  source: "stored",
  readOnly: false,
  settings: { ...DEFAULT_REMOTE_SETTINGS, baseUrl: "http://gpu-1:8000/v1", model: over.model ?? "Qwen/Qwen2.5-VL-7B-Instruct", maxImages: over.maxImages ?? null },
  hasApiKey: true,
  capabilities: over.capabilities === undefined ? caps() : over.capabilities,
});

describe("run targets", () => {
  it("option values: the three built-in backends as before, engine:<id> for the others, and back", () => {
    expect(BACKENDS.map((b) => b.value)).toEqual(["webgpu", "wasm", "server"]);
    for (const t of [{ backend: "webgpu" }, { backend: "wasm" }, { backend: "server" }, { backend: "server", engine: "e1" }] as const) {
      expect(targetFromValue(targetValue(t))).toEqual(t);
    }
    expect(targetValue({ backend: "server", engine: "e1" })).toBe("engine:e1");
    expect(targetValue("wasm")).toBe("wasm");
    expect(targetFromValue("engine:")).toBeNull();
    expect(targetFromValue("gpu")).toBeNull();
  });

  it("normalizes: the bundled engine is the plain server (or browser) choice; an engine off the server is a transformers.js one", () => {
    expect(normalizeTarget({ backend: "server", engine: "flamingo-mini" })).toEqual({ backend: "server" });
    expect(normalizeTarget({ backend: "wasm", engine: "flamingo-mini" })).toEqual({ backend: "wasm" });
    expect(normalizeTarget({ backend: "wasm", engine: "e1" })).toEqual({ backend: "wasm", engine: "e1" });
    expect(targetFromValue("engine:flamingo-mini")).toEqual({ backend: "server" });
  });

  it("lists the built-in choices always, then one per remote engine", () => {
    const builtIn = ["Browser · WebGPU", "Browser · WASM", "Server · flamingo-mini (bundled)"];
    expect(engineChoices(null).map((c) => c.label)).toEqual(builtIn);
    const list = [bundled, remote("e1", { name: "vLLM", model: "Qwen/Qwen2.5-VL-7B-Instruct" }), remote("e2", { name: "Ollama", model: "llava:7b" })];
    const choices = engineChoices(list);
    expect(choices.map((c) => c.label)).toEqual([...builtIn, "vLLM · Qwen/Qwen2.5-VL-7B-Instruct", "Ollama · llava:7b"]);
    expect(choices.map((c) => c.value)).toEqual(["webgpu", "wasm", "server", "engine:e1", "engine:e2"]);
    expect(choices.map((c) => c.remote)).toEqual([false, false, false, true, true]);
    expect(choices[2]!.summary).toBe(bundled);
  });

  it("keeps a chosen engine the list does not hold (not loaded yet, or removed)", () => {
    expect(engineChoices(null, { backend: "server", engine: "gone" }).at(-1)).toMatchObject({ value: "engine:gone", label: "Engine gone", remote: true });
    expect(engineChoices([bundled], { backend: "server", engine: "gone" }).at(-1)).toMatchObject({ value: "engine:gone", label: "gone (not in the registry)" });
    expect(engineChoices([bundled, remote("e1")], { backend: "server", engine: "e1" })).toHaveLength(4);
  });

  it("knows which targets are remote (an unknown engine counts as remote)", () => {
    const list = [bundled, remote("e1")];
    expect(isRemoteTarget({ backend: "server" }, list)).toBe(false);
    expect(isRemoteTarget({ backend: "webgpu" }, list)).toBe(false);
    expect(isRemoteTarget({ backend: "server", engine: "e1" }, list)).toBe(true);
    expect(isRemoteTarget({ backend: "server", engine: "e1" }, null)).toBe(true);
    expect(isRemoteTarget({ backend: "server", engine: "other-bundled" }, [{ ...bundled, id: "other-bundled" }])).toBe(false);
    expect(engineOf({ backend: "server" }, list)).toBe(bundled);
    expect(engineOf({ backend: "wasm" }, list)).toBeNull();
  });
});

describe("remote engines: what is not sent, and what is refused before running", () => {
  it("sends no trace, no beams and no seed to a remote engine", () => {
    const sampling = { ...DEFAULT_SETTINGS, mode: "sampling" as const, seed: 7, trace: true };
    expect(toGenerateParams(sampling, true)).toEqual({ maxTokens: 20, temperature: 0.7, topP: 0.9 });
    expect(toGenerateParams(sampling)).toEqual({ maxTokens: 20, temperature: 0.7, topP: 0.9, seed: 7, trace: true });
    const beam = toGenerateParams({ ...DEFAULT_SETTINGS, mode: "beam" }, true);
    expect(beam).toEqual({ maxTokens: 20 });
    expect(GenerateParamsSchema.safeParse(beam).success).toBe(true);
  });

  it("a remote choice turns beam search into greedy; other settings stay", () => {
    const beam = { ...DEFAULT_SETTINGS, mode: "beam" as const, maxTokens: 40 };
    expect(settingsForTarget(beam, true)).toEqual({ ...beam, mode: "greedy" });
    expect(settingsForTarget(beam, false)).toBe(beam);
    const sampling = { ...DEFAULT_SETTINGS, mode: "sampling" as const };
    expect(settingsForTarget(sampling, true)).toBe(sampling);
  });

  it("refuses more images than maxImages, and two or more where the multi-image test failed", () => {
    expect(imageLimitProblem(5, remote("e1", { maxImages: 4 }))).toMatch(/5 images.*at most 4 images/);
    expect(imageLimitProblem(4, remote("e1", { maxImages: 4 }))).toBeNull();
    expect(imageLimitProblem(2, remote("e1", { maxImages: 1 }))).toMatch(/at most 1 image per prompt/);
    expect(imageLimitProblem(2, remote("e1", { capabilities: caps({ multiImage: false }) }))).toMatch(/2 images.*one image per prompt/);
    expect(imageLimitProblem(1, remote("e1", { capabilities: caps({ multiImage: false }) }))).toBeNull();
    // Never tested: nothing known, so nothing refused.
    expect(imageLimitProblem(9, remote("e1", { capabilities: null }))).toBeNull();
    expect(imageLimitProblem(9, bundled)).toBeNull();
    expect(imageLimitProblem(9, null)).toBeNull();
  });
});

describe("rank methods", () => {
  it("labels each method as RANK_METHODS does, with its note; none reported = exact", () => {
    expect(rankMethodInfo(undefined)).toEqual({ method: "exact", label: "exact log-likelihood", approximate: false });
    expect(rankMethodInfo("first_token_logprobs", true, "the engine returned no prompt log-probabilities")).toEqual({
      method: "first_token_logprobs",
      label: RANK_METHODS.first_token_logprobs.label,
      approximate: true,
      note: "the engine returned no prompt log-probabilities",
    });
    expect(rankMethodInfo("prompt_logprobs").approximate).toBe(false);
    expect(rankMethodInfo("generate_match").approximate).toBe(true);
  });

  it("the saved-run schema knows every method", () => {
    expect([...RANK_METHOD_VALUES].sort()).toEqual(Object.keys(RANK_METHODS).sort());
  });
});

describe("rank rows from a remote engine", () => {
  it("a candidate with no probability (null over JSON, −∞) ranks last, with a sliver of a bar", () => {
    // generate_match: the greedy answer matched "dax"; the others have no probability; no token ids.
    const rows = scoreRows([
      { candidate: "blicket", sum: null, mean: null, tokenIds: [] },
      { candidate: "dax", sum: 0, mean: 0, tokenIds: [] },
      { candidate: "wug", sum: -Infinity, mean: -Infinity },
    ]);
    expect(rows.map((r) => [r.candidate, r.best, r.share, r.tokens])).toEqual([
      ["blicket", false, 0, 0],
      ["dax", true, 1, 0],
      ["wug", false, 0, 0],
    ]);
    const sums = rows.map((r) => r.sum);
    expect(barWidth(0, sums)).toBe(1);
    expect(barWidth(-Infinity, sums)).toBe(0.02);
    expect(barWidth(-1, [-1, -Infinity, -3])).toBeGreaterThan(barWidth(-3, [-1, -Infinity, -3]));
  });

  it("no candidate matched: none is best, nothing is NaN", () => {
    const rows = scoreRows([
      { candidate: "a", sum: null, mean: null, tokenIds: [] },
      { candidate: "b", sum: null, mean: null, tokenIds: [] },
    ]);
    expect(rows.map((r) => [r.best, r.share])).toEqual([
      [false, 0],
      [false, 0],
    ]);
  });
});

describe("run inspector", () => {
  const exchange = {
    url: "http://gpu-1:8000/v1/chat/completions",
    status: 200,
    request: { model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/jpeg;base64,…(41 KB elided)" } }] }], api_key: "sk-nope" },
    response: { choices: [{ message: { content: "dax" } }], usage: { prompt_tokens: 10, completion_tokens: 2 } },
  };

  it("redacts anything named like a credential, and URL credentials", () => {
    const x = sanitizeExchange({ ...exchange, url: "https://user:pw@api.example.com/v1/chat/completions?api_key=abc&x=1" })!;
    expect(x.url).toBe("https://api.example.com/v1/chat/completions?api_key=%5Bredacted%5D&x=1");
    expect((x.request as { api_key: string }).api_key).toBe("[redacted]");
    expect(x.response).toEqual(exchange.response);
    expect(sanitizeExchange(undefined)).toBeUndefined();
    expect(sanitizeExchange({ status: 200 })).toBeUndefined();
    expect(stripUrlCredentials("not a url")).toBe("not a url");
  });

  it("pretty-prints JSON and shows a streamed (string) response as is", () => {
    expect(prettyJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(prettyJson("data: {}\n\n")).toBe("data: {}\n\n");
  });

  it("cuts a large exchange to what a saved run keeps, response first", () => {
    expect(capExchange(exchange, 10_000)).toEqual(exchange);
    const big = { ...exchange, response: { prompt_logprobs: Array.from({ length: 20_000 }, (_, i) => ({ [i]: -1.5 })) } };
    const cut = capExchange(big, 50_000);
    expect(JSON.stringify(cut).length).toBeLessThanOrEqual(50_000);
    expect(cut.request).toEqual(exchange.request);
    expect(cut.response).toMatch(/\[truncated: [\d,]+ characters in all\]$/);
    const both = capExchange({ ...big, request: "x".repeat(100_000) }, 50_000);
    expect(JSON.stringify(both).length).toBeLessThanOrEqual(50_000);
    expect(both.status).toBe(200);
  });
});

describe("transformers.js engines as run targets", () => {
  const tfjs = (id: string, over: { maxImages?: number | null; device?: "auto" | "webgpu" | "wasm" } = {}): EngineSummary => ({
    ...bundled,
    id,
    name: `Tiny ${id}`,
    kind: "transformersjs",
    source: "stored",
    readOnly: false,
    browser: { model: "/models-test/tiny-smolvlm", dtype: "fp32", device: over.device ?? "auto", promptStyle: "turns", maxImages: over.maxImages ?? null },
    capabilities: caps({ rankMethod: "exact", multiImage: over.maxImages == null || over.maxImages >= 2 }),
  });

  it("is offered as a browser choice: its device picks WebGPU (with the WASM fallback) or WASM, never the server", () => {
    const choices = engineChoices([bundled, tfjs("t1"), tfjs("t2", { device: "wasm" })]);
    const t1 = choices.find((c) => c.value === "engine:t1")!;
    const t2 = choices.find((c) => c.value === "engine:t2")!;
    expect(t1).toMatchObject({ label: "Browser · Tiny t1 (transformers.js)", target: { backend: "webgpu", engine: "t1" }, remote: true });
    expect(t2.target).toEqual({ backend: "wasm", engine: "t2" });
    expect(targetValue(t2.target)).toBe("engine:t2");
  });

  it("has no trace, beams or seeds; its registry entry is found off the server", () => {
    const engines = [bundled, tfjs("t1")];
    expect(engineOf({ backend: "webgpu", engine: "t1" }, engines)?.id).toBe("t1");
    expect(engineOf({ backend: "webgpu" }, engines)).toBeNull();
    expect(isRemoteTarget({ backend: "webgpu", engine: "t1" }, engines)).toBe(true);
    expect(isRemoteTarget({ backend: "webgpu" }, engines)).toBe(false);
  });

  it("says before running when the model cannot take several images in one prompt", () => {
    expect(imageLimitProblem(3, tfjs("t1"))).toBeNull();
    expect(imageLimitProblem(3, tfjs("t1", { maxImages: 1 }))).toMatch(/takes at most 1 image per prompt/);
    expect(imageLimitProblem(1, tfjs("t1", { maxImages: 1 }))).toBeNull();
  });
});
