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
import type { ChatCompletionContentPart, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as chatRoute } from "@/app/v1/chat/completions/route";
import { GET as modelsRoute } from "@/app/v1/models/route";
import { GET as healthRoute } from "@/app/api/health/route";
import { releaseServerModels } from "@/lib/backends/server";
import { withStoreDatabase } from "./support/databases";
import { loadGolden, MODEL_ID, PKG, type GoldenPrompt } from "./runtime-golden";

const routes: Record<string, (req: Request) => Promise<Response>> = {
  "POST /v1/chat/completions": chatRoute,
  "GET /v1/models": () => modelsRoute(),
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
    expect((corrupt as Error).message).toMatch(/could not be decoded/);

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
