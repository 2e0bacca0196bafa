/**
 * The OpenAI-compatible routes (app/v1/chat/completions, app/v1/models) driven by the official
 * `openai` npm client over real HTTP: a node:http server on 127.0.0.1:0 adapts each request to the
 * exported route handlers (Request → Response, streamed bodies passed through as they come).
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import OpenAI from "openai";
import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTokenLogprob,
} from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as chatRoute } from "@/app/v1/chat/completions/route";
import { GET as modelsRoute } from "@/app/v1/models/route";
import { GET as healthRoute } from "@/app/api/health/route";
import { getServerModel, messagesToPrompt, releaseServerModels } from "@/lib/backends/server";
import { withStoreDatabase } from "./support/databases";
import { loadGolden, MODEL_ID, PKG, type GoldenPrompt } from "./runtime-golden";

const routes: Record<string, (req: Request) => Promise<Response>> = {
  "POST /v1/chat/completions": chatRoute,
  "GET /v1/models": modelsRoute,
};

async function adapt(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const handler = routes[`${req.method} ${url.pathname}`];
  if (!handler) {
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "no such route", type: "invalid_request_error" } }));
    return;
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
  const response = await handler(new Request(url, { method: req.method, headers, body, signal: abort.signal }));
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  }
  res.end();
}

const png = (f: string) => readFileSync(path.join(PKG, f));
const dataUrl = (f: string) => `data:image/png;base64,${png(f).toString("base64")}`;
const image = (f: string): ChatCompletionContentPart => ({ type: "image_url", image_url: { url: dataUrl(f) } });
const text = (t: string): ChatCompletionContentPart => ({ type: "text", text: t });

let server: Server;
let client: OpenAI;
const { golden } = loadGolden();
/** golden.json also holds the decoded continuation (`<|endofchunk|>` included when it stopped). */
const mixed = golden.prompts.find((p) => p.name === "mixed") as (GoldenPrompt & { greedy_text: string }) | undefined;

/**
 * The golden "mixed" prompt as chat messages, text and images in any order:
 * `Two pictures.\n<image>Output:wug<|endofchunk|>\n<image>Question:… Short answer:`.
 */
const mixedMessages = (): ChatCompletionMessageParam[] => [
  { role: "user", content: [text("Two pictures.\n"), image("golden/g_a3.png"), text("Output:")] },
  { role: "assistant", content: "wug" },
  { role: "user", content: [image("golden/g_scene.png"), text("Question:What color are the shapes? Short answer:")] },
];

/** vLLM's extra request fields (the openai client sends whatever the params object holds). */
type Vllm = { prompt_logprobs?: number; continue_final_message?: boolean; add_generation_prompt?: boolean };
type PromptLogprobs = (Record<string, { logprob: number; rank: number; decoded_token: string }> | null)[];

/** A non-streaming request with vLLM's fields, read as raw JSON (prompt_logprobs is not in the client's types). */
async function rawCompletion(params: ChatCompletionCreateParamsNonStreaming & Vllm) {
  const res = await client.chat.completions.create(params).asResponse();
  return (await res.json()) as { choices: { message: { content: string }; logprobs: { content: ChatCompletionTokenLogprob[] } | null }[]; usage: { prompt_tokens: number }; prompt_logprobs: PromptLogprobs | null };
}

/** What a ranking client does: the candidate as an open assistant turn, then the sum of its tokens' prompt log-probs. */
async function candidateLogprob(prefix: ChatCompletionMessageParam[], candidate: string): Promise<number> {
  const body = await rawCompletion({
    model: MODEL_ID,
    messages: [...prefix, { role: "assistant", content: candidate }],
    continue_final_message: true,
    add_generation_prompt: false,
    max_tokens: 1,
    prompt_logprobs: 0,
  });
  const entries = body.prompt_logprobs!;
  // Walk back over the decoded tokens until they spell the candidate.
  let text = "";
  let sum = 0;
  for (let i = entries.length - 1; i > 0 && text.length < candidate.length; i--) {
    const only = Object.values(entries[i]!);
    expect(only).toHaveLength(1); // prompt_logprobs 0: the token itself
    text = only[0]!.decoded_token + text;
    sum += only[0]!.logprob;
  }
  expect(text).toBe(candidate);
  return sum;
}

const apiError = (e: unknown) => e as InstanceType<typeof OpenAI.APIError>;

beforeAll(async () => {
  server = createServer((req, res) => {
    adapt(req, res).catch((e: unknown) => {
      res.destroy(e instanceof Error ? e : new Error(String(e)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "unused", maxRetries: 0, timeout: 60_000 });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await releaseServerModels();
});

describe("the official openai client against /v1", () => {
  withStoreDatabase("sqlite");

  it("lists the bundled model", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain(MODEL_ID);
  });

  it("completes a prompt of interleaved text and data-URL images with the golden greedy continuation", async () => {
    expect(mixed, "golden.json has the mixed prompt").toBeDefined();
    const r = await client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 12, temperature: 0 });
    const want = mixed!.greedy_text.replace("<|endofchunk|>", "");
    expect(r.object).toBe("chat.completion");
    expect(r.choices[0]!.message.role).toBe("assistant");
    expect(r.choices[0]!.message.content).toBe(want);
    expect(r.choices[0]!.finish_reason).toBe(mixed!.greedy_text.endsWith("<|endofchunk|>") ? "stop" : "length");
    expect(r.usage!.prompt_tokens).toBe(mixed!.input_ids.length);
    // An image first, then text, in one message (the few-shot layout) also runs.
    const imageFirst = await client.chat.completions.create({
      model: MODEL_ID,
      messages: [{ role: "user", content: [image("golden/g_a1.png"), text("Output:dax"), text(""), image("golden/g_b1.png"), text("Output:")] }],
      max_tokens: 4,
    });
    expect(typeof imageFirst.choices[0]!.message.content).toBe("string");
  });

  it("streams the same text as the non-streaming answer", async () => {
    const plain = await client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 8 });
    const stream = await client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 8, stream: true });
    let streamed = "";
    let chunks = 0;
    let finish: string | null = null;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe("chat.completion.chunk");
      streamed += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(streamed).toBe(plain.choices[0]!.message.content);
    expect(finish).toBe(plain.choices[0]!.finish_reason);
  });

  it("honours max_tokens", async () => {
    const r = await client.chat.completions.create({ model: MODEL_ID, messages: [{ role: "user", content: "Two pictures.\nThe" }], max_tokens: 2 });
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(2);
    if (r.choices[0]!.finish_reason === "length") expect(r.usage!.completion_tokens).toBe(2);
  });

  it("cuts the text at a stop string", async () => {
    const full = (await client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 12 })).choices[0]!.message.content ?? "";
    expect(full.length).toBeGreaterThan(0);
    const stop = full.length >= 2 ? full.slice(Math.floor(full.length / 2)) : full;
    const r = await client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 12, stop: [stop, "never-appears"] });
    expect(r.choices[0]!.message.content).toBe(full.slice(0, full.indexOf(stop)));
    expect(r.choices[0]!.finish_reason).toBe("stop");
  });

  it("answers bad requests with clear OpenAI errors and keeps serving", async () => {
    const many: ChatCompletionContentPart[] = [];
    for (let i = 0; i < 200; i++) many.push(image("golden/g_a1.png"), text("Output:dax\n"));
    const tooMany = await client.chat.completions.create({ model: MODEL_ID, messages: [{ role: "user", content: many }] }).catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(OpenAI.APIError);
    expect((tooMany as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((tooMany as Error).message).toMatch(/200 images/);

    const unknown = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as Error).message).toMatch(/gpt-4o/);

    const noMessages = await client.chat.completions.create({ model: MODEL_ID, messages: [] }).catch((e: unknown) => e);
    expect(noMessages).toBeInstanceOf(OpenAI.BadRequestError);

    const corrupt = await client.chat.completions
      .create({ model: MODEL_ID, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${png("golden/g_a1.png").subarray(0, 50).toString("base64")}` } }] }] })
      .catch((e: unknown) => e);
    expect(corrupt).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    // Data URLs pass the upload checks (lib/assets inspectImage), named by where they were.
    expect((corrupt as Error).message).toMatch(/messages\.0\.content\.0\.image_url: The PNG image is truncated or corrupt/);

    const after = await client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 12 });
    expect(after.choices[0]!.message.content).toBe(mixed!.greedy_text.replace("<|endofchunk|>", ""));
  });

  it("returns each generated token's log-prob and top_logprobs, non-streaming and streaming alike", async () => {
    const params = { model: MODEL_ID, messages: mixedMessages(), max_tokens: 8, temperature: 0, logprobs: true, top_logprobs: 3 } as const;
    const r = await client.chat.completions.create(params);
    const content = r.choices[0]!.logprobs!.content!;
    expect(content.length).toBeGreaterThan(0);
    for (const t of content) {
      expect(t.logprob).toBeLessThanOrEqual(0);
      expect(t.bytes).toEqual([...Buffer.from(t.token, "utf8")]);
      expect(t.top_logprobs).toHaveLength(3);
      // Greedy: the token is the most likely one; alternatives sorted.
      expect(t.top_logprobs[0]!.token).toBe(t.token);
      expect(t.top_logprobs[0]!.logprob).toBeCloseTo(t.logprob, 6);
      for (let i = 1; i < 3; i++) expect(t.top_logprobs[i - 1]!.logprob).toBeGreaterThanOrEqual(t.top_logprobs[i]!.logprob);
      for (const a of t.top_logprobs) expect(a.bytes).toEqual([...Buffer.from(a.token, "utf8")]);
    }
    // The tokens spell the answer, plus the stop token when it stopped on it (vLLM lists the EOS token too).
    const stopped = r.choices[0]!.finish_reason === "stop";
    expect(content.map((t) => t.token).join("")).toBe(r.choices[0]!.message.content + (stopped ? "<|endofchunk|>" : ""));

    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    const streamed: ChatCompletionTokenLogprob[] = [];
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    let usageChunkChoices = -1;
    for await (const chunk of stream) {
      streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) {
        usage = chunk.usage;
        usageChunkChoices = chunk.choices.length;
      }
    }
    expect(text).toBe(r.choices[0]!.message.content);
    expect(streamed.map((t) => t.token)).toEqual(content.map((t) => t.token));
    streamed.forEach((t, i) => {
      expect(t.logprob).toBeCloseTo(content[i]!.logprob, 5);
      expect(t.top_logprobs.map((a) => a.token)).toEqual(content[i]!.top_logprobs.map((a) => a.token));
    });
    // stream_options.include_usage: a last chunk with the usage and no choices.
    expect(usage).toEqual(r.usage);
    expect(usageChunkChoices).toBe(0);

    const plain = await client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 2 });
    expect(plain.choices[0]!.logprobs).toBeNull();
  });

  it("returns vLLM's prompt_logprobs: one per prompt token, the first null, the token plus its top-k", async () => {
    const body = await rawCompletion({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 1, prompt_logprobs: 2 });
    const plp = body.prompt_logprobs!;
    expect(plp).toHaveLength(body.usage.prompt_tokens);
    expect(plp[0]).toBeNull();
    for (const entry of plp.slice(1)) {
      // The top 2 (ranks 1, 2), plus the actual token with its real rank when it is not among them.
      const byRank = Object.values(entry!).sort((a, b) => a.rank - b.rank);
      expect(byRank.map((v) => v.rank).slice(0, 2)).toEqual([1, 2]);
      if (byRank.length === 3) expect(byRank[2]!.rank).toBeGreaterThan(2);
      else expect(byRank).toHaveLength(2);
      for (const v of byRank) expect(v.logprob).toBeLessThanOrEqual(0);
      expect(byRank[0]!.logprob).toBeGreaterThanOrEqual(byRank[1]!.logprob);
      if (byRank.length === 3) expect(byRank[1]!.logprob).toBeGreaterThanOrEqual(byRank[2]!.logprob);
    }
    // Image placeholders and <|endofchunk|> are prompt tokens too (two images, one <|endofchunk|>).
    const actual = (await rawCompletion({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 1, prompt_logprobs: 0 })).prompt_logprobs!;
    const tokens = actual.map((e) => (e ? Object.values(e)[0]!.decoded_token : null));
    expect(tokens.filter((t) => t === "<image>")).toHaveLength(2);
    expect(tokens.filter((t) => t === "<|endofchunk|>")).toHaveLength(1);
    // After the first token (no entry of its own), the decoded tokens spell the prompt.
    const whole = "Two pictures.\n<image>Output:wug<|endofchunk|>\n<image>Question:What color are the shapes? Short answer:";
    const rest = tokens.slice(1).join("");
    expect(whole.endsWith(rest) && whole.length - rest.length <= "Two".length).toBe(true);
    // Not asked for: null.
    expect((await rawCompletion({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 1 })).prompt_logprobs).toBeNull();
  });

  it("ranks candidates through prompt_logprobs exactly as the bundled engine scores them", async () => {
    const prefix = mixedMessages();
    const candidates = [mixed!.greedy_text.replace("<|endofchunk|>", ""), "blue"];
    const viaHttp: number[] = [];
    for (const c of candidates) viaHttp.push(await candidateLogprob(prefix, c));
    const { engine } = await getServerModel(MODEL_ID);
    const prompt = messagesToPrompt(prefix as Parameters<typeof messagesToPrompt>[0]);
    const scores = await engine.score(prompt, candidates, { appendEndOfChunk: false });
    scores.forEach((s, i) => expect(Math.abs(viaHttp[i]! - s.sum)).toBeLessThan(1e-3));
    const order = (xs: number[]) => xs.map((_, i) => i).sort((a, b) => xs[b]! - xs[a]!);
    expect(order(viaHttp)).toEqual(order(scores.map((s) => s.sum)));
    expect(viaHttp[0]).not.toBeCloseTo(viaHttp[1]!, 1);
  });

  it("refuses bad log-prob and generation-prompt combinations with vLLM's 400s", async () => {
    const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
    const noAssistant = await fail(client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), continue_final_message: true, add_generation_prompt: false } as ChatCompletionCreateParamsNonStreaming & Vllm));
    expect(noAssistant).toBeInstanceOf(OpenAI.BadRequestError);
    expect(apiError(noAssistant).message).toMatch(/last message to be an assistant message/);

    const both = await fail(
      client.chat.completions.create({ model: MODEL_ID, messages: [...mixedMessages(), { role: "assistant", content: "or" }], continue_final_message: true, add_generation_prompt: true } as ChatCompletionCreateParamsNonStreaming & Vllm),
    );
    expect(both).toBeInstanceOf(OpenAI.BadRequestError);
    expect(apiError(both).message).toContain("Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
    expect(apiError(both).param).toBe("continue_final_message");

    const streamed = await fail(client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), stream: true, prompt_logprobs: 1 } as ChatCompletionCreateParamsStreaming & Vllm));
    expect(streamed).toBeInstanceOf(OpenAI.BadRequestError);
    expect(apiError(streamed).message).toContain("`prompt_logprobs` are not available when `stream=True`.");

    const tooMany = await fail(client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), logprobs: true, top_logprobs: 21 }));
    expect(tooMany).toBeInstanceOf(OpenAI.BadRequestError);
    expect(apiError(tooMany).message).toContain("Requested sample logprobs of 21, which is greater than max allowed: 20");
    expect(apiError(tooMany).param).toBe("top_logprobs");
    expect(apiError(tooMany).type).toBe("invalid_request_error");

    const tooManyPrompt = await fail(client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), prompt_logprobs: 21 } as ChatCompletionCreateParamsNonStreaming & Vllm));
    expect(apiError(tooManyPrompt).message).toContain("Requested prompt logprobs of 21, which is greater than max allowed: 20");
    const withoutFlag = await fail(client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), top_logprobs: 2 }));
    expect(apiError(withoutFlag).message).toContain("when using `top_logprobs`, `logprobs` must be set to true.");
    const optionsWithoutStream = await fail(client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), stream_options: { include_usage: true } }));
    expect(apiError(optionsWithoutStream).message).toContain("Stream options can only be defined when `stream=True`.");
    const notInt = await fail(client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), logprobs: true, top_logprobs: 1.5 }));
    expect(apiError(notInt).status).toBe(400);

    // Still serving.
    const after = await client.chat.completions.create({ model: MODEL_ID, messages: mixedMessages(), max_tokens: 12 });
    expect(after.choices[0]!.message.content).toBe(mixed!.greedy_text.replace("<|endofchunk|>", ""));
  });

  it("/api/health reports the execution provider the model loaded on, beside its existing fields", async () => {
    const res = await healthRoute();
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      database: { reachable: boolean };
      models: { id: string; ok: boolean }[];
      modelErrors: string[];
      runtime: { loaded: { id: string; state: string; executionProvider?: string; fallbackReason?: string }[]; executionProvider: { requested: string; cudaLibrary: boolean; reason?: string } };
    };
    expect(body.status).toBe("ok");
    expect(body.database.reachable).toBe(true);
    expect(body.models.map((m) => m.id)).toContain(MODEL_ID);
    const loaded = body.runtime.loaded.find((m) => m.id === MODEL_ID);
    expect(loaded).toMatchObject({ state: "ready" });
    expect(["cpu", "cuda"]).toContain(loaded!.executionProvider);
    // CPU is only ever used with a stated reason (no CUDA library, FLAMINGO_EP=cpu, or CUDA failed to load).
    if (loaded!.executionProvider === "cpu") expect((loaded!.fallbackReason ?? body.runtime.executionProvider.reason ?? "").length).toBeGreaterThan(0);
  });
});
