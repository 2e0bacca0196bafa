/** The remote backend against a scripted fetch: request shapes, streaming, rank fallbacks, refusals, secrets. */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { createRemoteBackend, elideImages, probeEngine } from "@/lib/backends/remote";
import type { RemoteEngineConfig } from "@/lib/engines/types";
import { DEFAULT_REMOTE_SETTINGS } from "@/lib/engines/types";
import type { PromptPart, PromptSequence } from "@/lib/prompt/sequence";

const KEY = "sk-unit-secret-0123456789";
let seq = 0;
const config = (over: Partial<RemoteEngineConfig> = {}): RemoteEngineConfig => ({
  ...DEFAULT_REMOTE_SETTINGS,
  id: `unit-engine-${++seq}`,
  name: "gpu-test",
  baseUrl: "http://engine.test/v1",
  model: "vlm-7b",
  apiKey: KEY,
  headers: { "x-tenant": "tenant-secret-value" },
  capabilities: null,
  ...over,
});

interface Sent {
  url: string;
  method: string;
  headers: Headers;
  body: Record<string, unknown>;
}
type Reply = (req: Sent) => Response | Promise<Response>;

function scripted(reply: Reply): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const req: Sent = { url: String(input), method: init?.method ?? "GET", headers: new Headers(init?.headers), body: init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : {} };
    sent.push(req);
    init?.signal?.throwIfAborted();
    return reply(req);
  }) as typeof fetch;
  return { fetch: f, sent };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => Response.json(body, { status, headers });
const completion = (content: string, extra: object = {}) => ({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], usage: { prompt_tokens: 10, completion_tokens: 2 }, ...extra });

const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 10, g: 200, b: 10 } } }).png().toBuffer();
const imageSource = async () => new Uint8Array(png);
const img = (assetId: string): PromptPart => ({ type: "image", assetId });
const prompt: PromptSequence = {
  parts: [img("a"), { type: "text", text: "Output:" }, { type: "text", text: "dax", answer: true }, { type: "endOfChunk" }, { type: "text", text: "\n" }, img("b"), { type: "text", text: "Output:" }],
};

describe("remote backend requests", () => {
  it("sends credentials and headers, images as data URLs in the configured format and size", async () => {
    const s = scripted(() => json(completion("blicket")));
    const b = createRemoteBackend(config({ image: { format: "jpeg", maxSide: 10 } }), { fetch: s.fetch, imageSource });
    const r = await b.generate(prompt, { maxTokens: 5, stop: ["\n"] });
    const req = s.sent[0]!;
    expect(req.url).toBe("http://engine.test/v1/chat/completions");
    expect(req.headers.get("authorization")).toBe(`Bearer ${KEY}`);
    expect(req.headers.get("x-tenant")).toBe("tenant-secret-value");
    expect(req.body).toMatchObject({ model: "vlm-7b", max_tokens: 5, temperature: 0, stop: ["\n"] });
    expect(req.body.stream).toBeUndefined();
    const parts = (req.body.messages as { content: { type: string; image_url?: { url: string } }[] }[])[0]!.content;
    const url = parts[0]!.image_url!.url;
    expect(url.startsWith("data:image/jpeg;base64,")).toBe(true);
    const meta = await sharp(Buffer.from(url.split(",")[1]!, "base64")).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 10, 5]);
    expect(r).toMatchObject({ text: "blicket", finishReason: "stop_token", engine: b.id, model: "vlm-7b", executionProvider: "remote", tokenIds: [], usage: { promptTokens: 10, completionTokens: 2, images: 2 } });
    expect(JSON.stringify(r.exchange)).toContain("…(");
    expect(JSON.stringify(r)).not.toContain(KEY);
    expect(JSON.stringify(r)).not.toContain("tenant-secret-value");
  });

  it("refuses more images than the engine takes before sending anything", async () => {
    const s = scripted(() => json(completion("x")));
    const b = createRemoteBackend(config({ maxImages: 1 }), { fetch: s.fetch, imageSource });
    await expect(b.generate(prompt, {})).rejects.toMatchObject({ code: "payload_too_large", message: "The engine gpu-test accepts at most 1 image per prompt; this prompt has 2" });
    await expect(b.score(prompt, ["a"])).rejects.toMatchObject({ status: 413 });
    expect(s.sent).toHaveLength(0);
  });

  it("streams deltas as token events and reads usage, finish reason and timings", async () => {
    const events = [
      { choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
      { choices: [{ index: 0, delta: { content: "bli" }, finish_reason: null }] },
      { choices: [{ index: 0, delta: { content: "cket" }, finish_reason: null }] },
      { choices: [{ index: 0, delta: {}, finish_reason: "length" }] },
      { choices: [], usage: { prompt_tokens: 30, completion_tokens: 4 } },
    ];
    const body = `${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("")}data: [DONE]\n\n`;
    const s = scripted(() => new Response(body, { headers: { "content-type": "text/event-stream" } }));
    const b = createRemoteBackend(config(), { fetch: s.fetch, imageSource });
    const tokens: string[] = [];
    const r = await b.generate(prompt, { maxTokens: 4, temperature: 0.7, topP: 0.9, seed: 3 }, { onToken: (e) => tokens.push(`${e.index}:${e.text}:${e.tokenId}`) });
    expect(s.sent[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, temperature: 0.7, top_p: 0.9, seed: 3 });
    expect(tokens).toEqual(["0:bli:-1", "1:cket:-1"]);
    expect(r).toMatchObject({ text: "blicket", finishReason: "max_tokens", usage: { promptTokens: 30, completionTokens: 4 } });
    expect(r.exchange?.response).toMatchObject({ text: "blicket", finish_reason: "length", usage: { prompt_tokens: 30, completion_tokens: 4 } });
    expect(r.timings.prefillMs).toBeGreaterThanOrEqual(0);
  });

  it("turns engine errors into AppErrors with the engine's words (both vLLM shapes), no secrets", async () => {
    const cases: [Response, object][] = [
      [json({ error: { message: `Incorrect API key provided: ${KEY}` } }, 401), { status: 401, message: "The engine gpu-test refused the credentials (401): Incorrect API key provided: [redacted]" }],
      [json({ object: "error", message: "At most 1 image(s) may be provided in one request.", type: "BadRequestError", code: 400 }, 400), { status: 400, message: expect.stringContaining("At most 1 image(s) may be provided in one request.") }],
      [json({ error: { message: "The model `vlm-7b` does not exist." } }, 404), { status: 404 }],
      [json({ error: { message: "slow down" } }, 429, { "retry-after": "2" }), { status: 429, retryAfterMs: 2000, transient: true }],
      [new Response("<html><title>503 Service Unavailable</title></html>", { status: 503 }), { status: 502, message: "The engine gpu-test failed (503): 503 Service Unavailable", transient: true }],
    ];
    for (const [res, want] of cases) {
      const b = createRemoteBackend(config(), { fetch: scripted(() => res).fetch, imageSource });
      const e = await b.generate(prompt, {}).catch((x: unknown) => x);
      expect(e).toMatchObject(want);
      expect(JSON.stringify({ m: (e as Error).message, x: (e as { exchange?: unknown }).exchange })).not.toContain(KEY);
      expect(b.retryable(e)).toBe((want as { transient?: boolean }).transient === true);
    }
  });

  it("a timeout is a 504 and the caller's abort stays an abort", async () => {
    const slow = (async (_: unknown, init?: RequestInit) =>
      new Promise<Response>((_r, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)))) as typeof fetch;
    const b = createRemoteBackend(config({ timeoutMs: 50 }), { fetch: slow, imageSource });
    await expect(b.generate(prompt, {})).rejects.toMatchObject({ status: 504, code: "upstream_timeout" });
    const b2 = createRemoteBackend(config({ timeoutMs: 10_000 }), { fetch: slow, imageSource });
    const ctl = new AbortController();
    const p = b2.generate(prompt, {}, { signal: ctl.signal });
    setTimeout(() => ctl.abort(new DOMException("stop", "AbortError")), 20);
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("remote backend ranking", () => {
  const plp = (toks: [string, number][]) => [null, ...toks.map(([t, lp], i) => ({ [String(i)]: { logprob: lp, rank: 1, decoded_token: t } }))];

  it("prompt_logprobs: one request per candidate with the candidate as a continued assistant turn", async () => {
    const s = scripted((req) => {
      const msgs = req.body.messages as { role: string; content: string }[];
      const cand = msgs[msgs.length - 1]!.content;
      const lps: Record<string, [string, number][]> = { dax: [["d", -1], ["ax", -0.5]], blicket: [["bl", -3], ["icket", -0.1]] };
      return json({ ...completion(""), prompt_logprobs: plp([["Output", -2], [":", -0.1], ...lps[cand]!]) });
    });
    const b = createRemoteBackend(config({ promptStyle: "turns" }), { fetch: s.fetch, imageSource });
    const r = await b.score(prompt, ["blicket", "dax"]);
    expect(s.sent).toHaveLength(2);
    expect(s.sent[0]!.body).toMatchObject({ continue_final_message: true, add_generation_prompt: false, max_tokens: 1, prompt_logprobs: 0 });
    expect((s.sent[0]!.body.messages as { role: string }[]).map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(r).toMatchObject({ method: "prompt_logprobs", approximate: false, ranking: [1, 0], usage: { promptTokens: 20, completionTokens: 4 } });
    expect(r.scores.map((x) => x.sum)).toEqual([-3.1, -1.5]);
    expect(r.note).toBeUndefined();
    expect(Array.isArray(r.exchange?.request)).toBe(true);
  });

  it("falls back to first-token log-probabilities when prompt_logprobs is missing, and remembers that", async () => {
    const s = scripted((req) => {
      if (req.body.prompt_logprobs !== undefined) return json(completion(""));
      return json({ ...completion("d"), choices: [{ index: 0, message: { content: "d" }, finish_reason: "length", logprobs: { content: [{ token: "d", logprob: -0.2, top_logprobs: [{ token: "d", logprob: -0.2 }, { token: " bl", logprob: -1.7 }] }] } }] });
    });
    const cfg = config();
    const b = createRemoteBackend(cfg, { fetch: s.fetch, imageSource });
    const r = await b.score(prompt, ["blicket", "dax", "wug"]);
    expect(r).toMatchObject({ method: "first_token_logprobs", approximate: true, ranking: [1, 0, 2] });
    expect(r.scores.map((x) => x.sum)).toEqual([-1.7, -0.2, -Infinity]);
    expect(r.note).toContain("the engine returned no prompt log-probabilities");
    expect(s.sent[1]!.body).toMatchObject({ logprobs: true, top_logprobs: 20, max_tokens: 1 });
    expect(b.capabilities().rankMethods).toEqual(["first_token_logprobs", "generate_match"]);
    // Remembered for the process (backends are made per call): the next one asks once.
    s.sent.length = 0;
    const again = await createRemoteBackend(cfg, { fetch: s.fetch, imageSource }).score(prompt, ["blicket", "dax"]);
    expect(s.sent).toHaveLength(1);
    expect(again.note).toContain("prompt_logprobs: the engine returned no prompt log-probabilities");
  });

  it("falls back on a 400 that says the field is unsupported, then to a greedy match when first tokens collide", async () => {
    const s = scripted((req) => {
      if (req.body.prompt_logprobs !== undefined) return json({ error: { message: "Unrecognized request argument supplied: prompt_logprobs" } }, 400);
      if (req.body.logprobs) return json({ ...completion("c"), choices: [{ index: 0, message: { content: "c" }, finish_reason: "length", logprobs: { content: [{ token: "c", logprob: -0.1, top_logprobs: [{ token: "ca", logprob: -0.1 }] }] } }] });
      return json(completion(" Car.\n"));
    });
    const b = createRemoteBackend(config(), { fetch: s.fetch, imageSource });
    const r = await b.score(prompt, ["cat", "car"]);
    expect(r).toMatchObject({ method: "generate_match", approximate: true, ranking: [1, 0] });
    expect(r.scores.map((x) => x.sum)).toEqual([-Infinity, 0]);
    expect(r.note).toMatch(/prompt_logprobs: the engine refused prompt_logprobs \(400: Unrecognized request argument supplied: prompt_logprobs\).*share the first token "ca".*greedy answer was "Car\."/);
  });

  it("starts at the probed method", async () => {
    const s = scripted(() => json(completion("dax")));
    const caps = { testedAt: "", ok: true, models: null, multiImage: true, topLogprobs: false, promptLogprobs: false, echoLogprobs: false, rankMethod: "generate_match" as const, steps: [] };
    const b = createRemoteBackend(config({ capabilities: caps }), { fetch: s.fetch, imageSource });
    const r = await b.score(prompt, ["blicket", "dax"]);
    expect(s.sent).toHaveLength(1);
    expect(r).toMatchObject({ method: "generate_match", ranking: [1, 0], note: expect.stringContaining("found no prompt log-probabilities") });
  });

  it("scoreMany keeps order under the engine's concurrency", async () => {
    let inFlight = 0;
    let peak = 0;
    const s = scripted(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return json({ ...completion(""), prompt_logprobs: plp([["Q", -1], ["x", -0.5]]) });
    });
    const b = createRemoteBackend(config({ maxConcurrency: 2 }), { fetch: s.fetch, imageSource });
    const out = await b.scoreMany([prompt, prompt, prompt], [["x"], ["x"], ["x"]]);
    expect(out.map((o) => o.method)).toEqual(["prompt_logprobs", "prompt_logprobs", "prompt_logprobs"]);
    expect(peak).toBeLessThanOrEqual(2);
  });
});

describe("probeEngine", () => {
  it("records every step with the engine's own words", async () => {
    const s = scripted((req) => {
      if (req.url.endsWith("/models")) return json({ object: "list", data: [{ id: "vlm-7b" }, { id: "other" }] });
      if (req.url.endsWith("/completions") && !req.url.endsWith("/chat/completions")) return json({ error: { message: "Only no echo is supported" } }, 400);
      const images = JSON.stringify(req.body.messages).match(/"type":"image_url"/g)?.length ?? 0;
      if (images > 1) return json({ error: { message: "At most 1 image(s) may be provided in one prompt." } }, 400);
      if (req.body.prompt_logprobs !== undefined) return json(completion(""));
      if (req.body.logprobs) return json({ ...completion("Yes"), choices: [{ index: 0, message: { content: "Yes" }, finish_reason: "length", logprobs: { content: [{ token: "Yes", logprob: -0.1, top_logprobs: [{ token: "Yes", logprob: -0.1 }] }] } }] });
      return json(completion("Red"));
    });
    const caps = await probeEngine(config(), { fetch: s.fetch });
    const byName = Object.fromEntries(caps.steps.map((st) => [st.name, st]));
    expect(caps).toMatchObject({ ok: true, models: ["vlm-7b", "other"], multiImage: false, topLogprobs: true, promptLogprobs: false, echoLogprobs: false, rankMethod: "first_token_logprobs" });
    expect(byName.models).toMatchObject({ ok: true, detail: "2 models; serves vlm-7b" });
    expect(byName.one_image).toMatchObject({ ok: true, detail: 'answered "Red"' });
    expect(byName.two_images).toMatchObject({ ok: false, detail: "400: At most 1 image(s) may be provided in one prompt." });
    expect(byName.echo_logprobs).toMatchObject({ ok: false, detail: "400: Only no echo is supported" });
    expect(JSON.stringify(caps)).not.toContain(KEY);
  });
});

describe("elideImages", () => {
  it("is exported for the inspector", () => {
    expect(elideImages({ u: "data:image/png;base64,AAAA" })).toEqual({ u: "data:image/png;base64,…(3 B)" });
  });
});
