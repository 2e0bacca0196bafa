/**
 * The remote OpenAI-compatible backend (lib/backends/remote) against a real engine: a second
 * Flamingo Studio server process serving our /v1 routes (tests/support/v1-server.ts), behind the
 * fault proxy (tests/support/fault-proxy.ts). The bundled engine in this process is the reference.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Backend } from "@/lib/backends/contract";
import { createRemoteBackend, probeEngine, withRetries } from "@/lib/backends/remote";
import { bundledServerBackend, releaseServerModels } from "@/lib/backends/server";
import { DEFAULT_REMOTE_SETTINGS, type RemoteEngineConfig } from "@/lib/engines/types";
import type { PromptPart, PromptSequence } from "@/lib/prompt/sequence";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy";
import { startV1Server, type V1Server } from "../support/v1-server";
import { loadGolden, MODEL_ID } from "./runtime-golden";

const KEY = "sk-remote-test-4f8a1c2e9b7d";
const HEADER_SECRET = "hdr-secret-5e6f7a8b";
const g = loadGolden();
const image = (file: string): PromptPart => ({ type: "image", assetId: g.byFile.get(`golden/${file}`) as string });
const text = (t: string): PromptPart => ({ type: "text", text: t });
const answer = (t: string): PromptPart => ({ type: "text", text: t, answer: true });
const eoc: PromptPart = { type: "endOfChunk" };

/** Three demonstrations and a query, as render() makes them (separator "\n"). */
const prompt: PromptSequence = {
  parts: [image("g_a1.png"), text("Output:"), answer("dax"), eoc, text("\n"), image("g_b1.png"), text("Output:"), answer("blicket zup"), eoc, text("\n"), image("g_a2.png"), text("Output:"), answer("dax"), eoc, text("\n"), image("g_b2.png"), text("Output:")],
};
const candidates = ["dax", "blicket zup", "blicket"];

let v1: V1Server;
let proxy: FaultProxy;
let local: Backend;
let seq = 0;

const config = (over: Partial<RemoteEngineConfig> = {}): RemoteEngineConfig => ({
  ...DEFAULT_REMOTE_SETTINGS,
  id: `remote-test-${++seq}`,
  name: "test-v1",
  baseUrl: `${proxy.url}/v1`,
  model: MODEL_ID,
  // PNG as stored: the remote model sees exactly the pixels the local one does.
  image: { format: "png", maxSide: null },
  promptStyle: "turns",
  apiKey: KEY,
  headers: { "x-team-token": HEADER_SECRET },
  capabilities: null,
  ...over,
});
const remote = (over: Partial<RemoteEngineConfig> = {}) => createRemoteBackend(config(over), { imageSource: g.imageSource });
const chatRequests = () => proxy.requests.filter((r) => r.path.endsWith("/chat/completions"));

beforeAll(async () => {
  v1 = await startV1Server();
  proxy = await startFaultProxy({ target: v1.origin });
  local = bundledServerBackend(MODEL_ID, { imageSource: g.imageSource });
});
afterAll(async () => {
  await proxy?.close();
  await v1?.stop();
  await releaseServerModels();
});
beforeEach(() => proxy.reset());

describe("remote engine: generate", () => {
  it("greedy text equals the bundled engine's; streamed deltas concatenate to it", async () => {
    const want = await local.generate(prompt, { maxTokens: 8 });
    const r = remote();
    const plain = await r.generate(prompt, { maxTokens: 8 });
    expect(plain.text).toBe(want.text);
    expect(plain).toMatchObject({ engine: r.id, model: MODEL_ID, executionProvider: "remote", finishReason: want.finishReason === "stop_string" ? "stop_token" : want.finishReason });
    expect(plain.usage.promptTokens).toBe(want.usage.promptTokens);

    const deltas: string[] = [];
    const streamed = await r.generate(prompt, { maxTokens: 8 }, { onToken: (e) => deltas.push(e.text) });
    expect(deltas.join("")).toBe(want.text);
    expect(streamed.text).toBe(want.text);
    expect(streamed.usage.completionTokens).toBe(want.usage.completionTokens);
    expect(streamed.exchange).toMatchObject({ status: 200, response: { text: want.text } });
    const sent = chatRequests()[1]?.json as { stream?: boolean; stream_options?: unknown };
    expect(sent).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("`turns` and `interleaved` send the messages each style promises", async () => {
    await remote({ systemPrompt: "Name the object." }).generate(prompt, { maxTokens: 1 });
    await remote({ promptStyle: "interleaved" }).generate(prompt, { maxTokens: 1 });
    const [turns, inter] = chatRequests().map((r) => (r.json as { messages: { role: string; content: unknown }[] }).messages);
    expect(turns!.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"]);
    expect(turns![2]).toEqual({ role: "assistant", content: "dax" });
    expect(turns![3]!.content).toEqual([{ type: "image_url", image_url: { url: expect.stringMatching(/^data:image\/png;base64,/) } }, { type: "text", text: "Output:" }]);
    expect(inter!.map((m) => m.role)).toEqual(["user"]);
    const parts = inter![0]!.content as { type: string; text?: string }[];
    expect(parts.map((p) => p.type)).toEqual(["image_url", "text", "image_url", "text", "image_url", "text", "image_url", "text"]);
    expect(parts[1]).toEqual({ type: "text", text: "Output:dax\n" });
  });

  it("refuses a prompt with more images than the engine takes, before any request", async () => {
    await expect(remote({ maxImages: 3 }).generate(prompt, { maxTokens: 1 })).rejects.toMatchObject({ status: 413, message: expect.stringContaining("test-v1 accepts at most 3 images") });
    await expect(remote({ maxImages: 3 }).score(prompt, candidates)).rejects.toMatchObject({ code: "payload_too_large" });
    expect(proxy.count()).toBe(0);
  });
});

describe("remote engine: errors and retries", () => {
  it("a 401 keeps the engine's words", async () => {
    proxy.push({ status: 401, body: { error: { message: "Invalid API key: this key was revoked", type: "invalid_request_error" } } });
    await expect(remote().generate(prompt, { maxTokens: 1 })).rejects.toMatchObject({ status: 401, message: "The engine test-v1 refused the credentials (401): Invalid API key: this key was revoked" });
  });

  it("a 503 then success: withRetries tries again", async () => {
    proxy.push({ status: 503 }, null);
    const retries: number[] = [];
    const r = await withRetries(() => remote().generate(prompt, { maxTokens: 2 }), { attempts: 3, baseMs: 10, maxMs: 50, onRetry: (i) => retries.push(i.attempt) });
    expect(typeof r.text).toBe("string");
    expect(retries).toEqual([1]);
    expect(chatRequests().map((x) => x.status)).toEqual([503, 200]);
  });

  it("a 429 with Retry-After: 1 waits a second (timestamps seen by the proxy)", async () => {
    proxy.push({ status: 429, retryAfter: 1 }, null);
    await withRetries(() => remote().generate(prompt, { maxTokens: 1 }), { attempts: 2, baseMs: 1, maxMs: 1 });
    const [first, second] = chatRequests();
    expect(first!.status).toBe(429);
    const waited = second!.receivedAt - (first!.respondedAt as number);
    expect(waited).toBeGreaterThanOrEqual(990);
    expect(waited).toBeLessThan(5000);
  });

  it("gives up with the attempt count when the engine stays down", async () => {
    proxy.plan(() => ({ status: 502 }));
    await expect(withRetries(() => remote().score(prompt, candidates), { attempts: 3, baseMs: 1, maxMs: 5 })).rejects.toMatchObject({ status: 502, message: expect.stringMatching(/failed \(502\).*\(gave up after 3 attempts\)$/) });
    expect(proxy.count()).toBe(3);
  });

  it("a connection reset mid-stream is a clear error", async () => {
    proxy.push({ resetAfterBytes: 500 });
    const e = await remote()
      .generate(prompt, { maxTokens: 8 }, { onToken: () => undefined })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ status: 502, message: expect.stringMatching(/^The engine test-v1 dropped the stream (before any answer|after \d+ characters of answer) \(/) });
  });

  it("an answer slower than timeoutMs is a 504, and the request stops", async () => {
    proxy.push({ delayMs: 2000 });
    const t0 = performance.now();
    await expect(remote({ timeoutMs: 300 }).generate(prompt, { maxTokens: 1 })).rejects.toMatchObject({ status: 504, code: "upstream_timeout", message: expect.stringContaining("did not answer within 300 ms") });
    expect(performance.now() - t0).toBeLessThan(1900);
  });
});

describe("remote engine: ranking", () => {
  it("prompt_logprobs ranks as the bundled engine does (appendEndOfChunk false)", async () => {
    const want = await local.score(prompt, candidates, { appendEndOfChunk: false });
    const got = await remote().score(prompt, candidates);
    expect(got).toMatchObject({ method: "prompt_logprobs", approximate: false });
    expect(got.note).toBeUndefined();
    expect(got.ranking).toEqual(want.ranking);
    got.scores.forEach((s, i) => {
      expect(s.candidate).toBe(candidates[i]);
      expect(Math.abs(s.sum - (want.scores[i]?.sum as number))).toBeLessThan(1e-3);
    });
    expect(got.usage?.promptTokens).toBeGreaterThan(0);
    const sent = chatRequests().map((r) => r.json as { continue_final_message?: boolean; prompt_logprobs?: number; messages: { role: string; content: unknown }[] });
    expect(sent).toHaveLength(candidates.length);
    expect(sent[0]).toMatchObject({ continue_final_message: true, prompt_logprobs: 0 });
    expect(sent.map((b) => b.messages.at(-1))).toEqual(candidates.map((c) => ({ role: "assistant", content: c })));
  });

  it("without log-probabilities in the answers, ranking falls back and says so", async () => {
    proxy.plan(() => ({ stripLogprobs: true }));
    const got = await remote().score(prompt, candidates);
    expect(["first_token_logprobs", "generate_match"]).toContain(got.method);
    expect(got.approximate).toBe(true);
    expect(got.note).toContain("the engine returned no prompt log-probabilities");
    expect(got.ranking).toHaveLength(candidates.length);
  });

  it("scoreMany: each prompt's outcome in order", async () => {
    const short: PromptSequence = { parts: prompt.parts.slice(5) };
    const out = await remote({ maxConcurrency: 2 }).scoreMany([prompt, short], [candidates, ["dax", "blicket"]]);
    expect(out.map((o) => [o.method, o.scores.length])).toEqual([
      ["prompt_logprobs", 3],
      ["prompt_logprobs", 2],
    ]);
  });
});

describe("remote engine: probe", () => {
  it("finds what our /v1 offers, step by step", async () => {
    const caps = await probeEngine(config());
    expect(caps).toMatchObject({ ok: true, multiImage: true, topLogprobs: true, promptLogprobs: true, echoLogprobs: false, rankMethod: "prompt_logprobs" });
    expect(caps.models).toContain(MODEL_ID);
    const steps = Object.fromEntries(caps.steps.map((s) => [s.name, s]));
    expect(Object.keys(steps)).toEqual(["models", "one_image", "two_images", "top_logprobs", "prompt_logprobs", "echo_logprobs"]);
    expect(steps.models!.detail).toContain(`serves ${MODEL_ID}`);
    expect(steps.echo_logprobs).toMatchObject({ ok: false, detail: expect.stringContaining("404: No route for POST /v1/completions") });
    for (const s of caps.steps) expect(s.ms).toBeGreaterThanOrEqual(0);
    expect(proxy.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
  });

  it("says when the model is not served, in the engine's words", async () => {
    const caps = await probeEngine(config({ model: "no-such-model" }));
    expect(caps.ok).toBe(false);
    const steps = Object.fromEntries(caps.steps.map((s) => [s.name, s]));
    expect(steps.models).toMatchObject({ ok: false, detail: expect.stringContaining("no-such-model is not among them") });
    expect(steps.one_image).toMatchObject({ ok: false, detail: expect.stringMatching(/^404: .*no-such-model/) });
    expect(caps.rankMethod).toBe("generate_match");
  });
});

describe("remote engine: secrets", () => {
  it("the API key and header values appear in no result, exchange, error or console output", async () => {
    const logged: string[] = [];
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) => vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" "))));
    const seen: unknown[] = [];
    const keep = (e: unknown) => seen.push({ message: (e as Error).message, exchange: (e as { exchange?: unknown }).exchange, e });
    try {
      const r = remote();
      seen.push(await r.generate(prompt, { maxTokens: 2 }));
      seen.push(await r.generate(prompt, { maxTokens: 2 }, { onToken: () => undefined }));
      seen.push(await r.score(prompt, candidates));
      // An engine that echoes the credentials back in its error.
      proxy.push({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY} (${HEADER_SECRET})` } } });
      await r.generate(prompt, { maxTokens: 1 }).catch(keep);
      proxy.push({ status: 503 }, { status: 503 });
      await withRetries(() => r.generate(prompt, { maxTokens: 1 }), { attempts: 2, baseMs: 1, maxMs: 1 }).catch(keep);
      proxy.push({ resetAfterBytes: 250 });
      await r.generate(prompt, { maxTokens: 4 }, { onToken: () => undefined }).catch(keep);
      proxy.push({ delayMs: 1000 });
      await remote({ timeoutMs: 100 }).generate(prompt, { maxTokens: 1 }).catch(keep);
    } finally {
      for (const s of spies) s.mockRestore();
    }
    expect(seen).toHaveLength(7);
    const everything = JSON.stringify(seen, (_k, v: unknown) => (v instanceof Error ? { ...v, name: v.name, message: v.message, stack: v.stack, cause: String(v.cause) } : v)) + logged.join("\n");
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(HEADER_SECRET);
    expect(everything).toContain("[redacted]");
    // The engine did receive them.
    expect(proxy.requests.some((r) => r.headers.authorization === `Bearer ${KEY}` && r.headers["x-team-token"] === HEADER_SECRET)).toBe(true);
  });
});
