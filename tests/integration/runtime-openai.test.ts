/**
 * The OpenAI-compatible chat completions handler (lib/backends/server/openai.ts) with the real
 * model: interleaved text and image_url parts (data URLs and this server's asset URLs), streaming,
 * stop, max_tokens, and errors in OpenAI's shape.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatCompletions, listModels, messagesToPrompt, releaseServerModels } from "@/lib/backends/server";
import { serializePrompt } from "@/lib/prompt/sequence";
import { putAsset } from "@/lib/store";
import { withStoreDatabase } from "./support/databases";
import { sha256 } from "./support/fixtures";
import { PKG } from "./runtime-golden";

const png = (f: string) => new Uint8Array(readFileSync(path.join(PKG, "golden", f)));
const dataUrl = (b: Uint8Array) => `data:image/png;base64,${Buffer.from(b).toString("base64")}`;
const call = (body: unknown) =>
  chatCompletions(new Request("http://localhost/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));

describe("OpenAI-compatible chat completions", () => {
  withStoreDatabase("sqlite");
  let assetId = "";
  beforeAll(async () => {
    const b = png("g_b1.png");
    assetId = sha256(b);
    await putAsset({ id: assetId, mediaType: "image/png", width: 32, height: 32, bytes: b, thumbnail: new Uint8Array([1]) });
  });
  afterAll(releaseServerModels);

  const fewShot = () => [
    { role: "user", content: [{ type: "image_url", image_url: { url: dataUrl(png("g_a1.png")) } }, { type: "text", text: "Output:" }] },
    { role: "assistant", content: "dax" },
    { role: "user", content: [{ type: "image_url", image_url: { url: `http://localhost/api/assets/${assetId}` } }, { type: "text", text: "Output:" }] },
    { role: "assistant", content: "blicket" },
    { role: "user", content: [{ type: "text", text: "" }, { type: "image_url", image_url: { url: `/api/assets/${assetId}` } }, { type: "text", text: "Output:" }] },
  ];

  it("turns messages into the trained chunk format", () => {
    const p = messagesToPrompt(fewShot() as Parameters<typeof messagesToPrompt>[0], { origins: ["http://localhost"] });
    expect(serializePrompt(p)).toBe("<image>Output:dax<|endofchunk|>\n<image>Output:blicket<|endofchunk|>\n<image>Output:");
  });

  it("marks assistant text as answers and leaves a final assistant message open with continue_final_message", () => {
    const msgs = [...fewShot(), { role: "assistant", content: "da" }] as Parameters<typeof messagesToPrompt>[0];
    const closed = messagesToPrompt(msgs, { origins: ["http://localhost"] });
    expect(serializePrompt(closed)).toBe("<image>Output:dax<|endofchunk|>\n<image>Output:blicket<|endofchunk|>\n<image>Output:da<|endofchunk|>\n");
    expect(closed.parts.filter((p) => p.type === "text" && p.answer).map((p) => (p.type === "text" ? p.text : ""))).toEqual(["dax", "blicket", "da"]);
    const open = messagesToPrompt(msgs, { continueFinalMessage: true, origins: ["http://localhost"] });
    expect(serializePrompt(open)).toBe("<image>Output:dax<|endofchunk|>\n<image>Output:blicket<|endofchunk|>\n<image>Output:da");
  });

  it("streams log-probs per token and a final usage chunk (stream_options.include_usage)", async () => {
    const res = await call({ model: "flamingo-mini", messages: fewShot(), max_tokens: 4, stream: true, logprobs: true, top_logprobs: 2, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    const lines = (await res.text()).split("\n\n").filter(Boolean).map((l) => l.replace(/^data: /, ""));
    expect(lines.at(-1)).toBe("[DONE]");
    type Chunk = { choices: { delta: { content?: string }; logprobs: { content: { token: string; top_logprobs: unknown[] }[] } | null; finish_reason: string | null }[]; usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } };
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l) as Chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);
    const tokenChunks = chunks.filter((c) => c.choices[0]?.logprobs);
    expect(tokenChunks.length).toBeGreaterThan(0);
    for (const c of tokenChunks) {
      expect(c.choices[0]!.logprobs!.content).toHaveLength(1);
      expect(c.choices[0]!.logprobs!.content[0]!.top_logprobs).toHaveLength(2);
    }
    // The first (role) chunk and the finish chunk carry none.
    expect(chunks[0]!.choices[0]!.logprobs).toBeNull();
    expect(chunks.at(-2)!.choices[0]!.finish_reason).not.toBeNull();
  });

  it("answers a non-streaming request", async () => {
    const res = await call({ model: "flamingo-mini", messages: fewShot(), max_tokens: 5 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; choices: { message: { role: string; content: string }; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]!.message.role).toBe("assistant");
    expect(typeof body.choices[0]!.message.content).toBe("string");
    expect(["stop", "length"]).toContain(body.choices[0]!.finish_reason);
    expect(body.usage.prompt_tokens).toBeGreaterThan(5);
  });

  it("streams chunks ending with [DONE]", async () => {
    const res = await call({ model: "flamingo-mini", messages: fewShot(), max_tokens: 6, stream: true, temperature: 0 });
    expect(res.headers.get("content-type")).toMatch(/event-stream/);
    const lines = (await res.text()).split("\n\n").filter(Boolean).map((l) => l.replace(/^data: /, ""));
    expect(lines.at(-1)).toBe("[DONE]");
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l) as { object: string; choices: { delta: { content?: string }; finish_reason: string | null }[] });
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).not.toBeNull();
    const text = chunks.map((c) => c.choices[0]!.delta.content ?? "").join("");
    const plain = (await (await call({ model: "flamingo-mini", messages: fewShot(), max_tokens: 6 })).json()) as { choices: { message: { content: string } }[] };
    expect(text).toBe(plain.choices[0]!.message.content);
  });

  it("lists the bundled model", async () => {
    const body = (await (await listModels()).json()) as { data: { id: string }[] };
    expect(body.data.map((m) => m.id)).toContain("flamingo-mini");
  });

  it("reports errors in OpenAI's shape with clear statuses", async () => {
    const unknown = await call({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    const remote = await call({ model: "flamingo-mini", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }] });
    expect(remote.status).toBe(400);
    const corrupt = await call({ model: "flamingo-mini", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: dataUrl(png("g_a1.png").slice(0, 50)) } }, { type: "text", text: "Output:" }] }] });
    expect(corrupt.status).toBe(422);
    const bad = await call({ model: "flamingo-mini", messages: [] });
    expect(bad.status).toBe(400);
    // vLLM's request checks: 400s in OpenAI's shape, naming the field.
    for (const [extra, param] of [
      [{ continue_final_message: true }, "continue_final_message"],
      [{ prompt_logprobs: -1 }, "prompt_logprobs"],
      [{ logprobs: true, top_logprobs: -2 }, "top_logprobs"],
      [{ logprobs: true, top_logprobs: 99, stream: true }, "top_logprobs"],
    ] as const) {
      const r = await call({ model: "flamingo-mini", messages: fewShot(), ...extra });
      expect(r.status).toBe(400);
      const err = ((await r.json()) as { error: { message: string; type: string; code: string; param: string | null } }).error;
      expect(err).toMatchObject({ type: "invalid_request_error", param });
      expect(err.message.length).toBeGreaterThan(10);
    }
  });
});
