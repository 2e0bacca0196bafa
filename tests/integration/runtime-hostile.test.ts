/**
 * Issue 15, what a stranger can send, against the real model and route handlers: prompts past the
 * token limits are refused (413, the count and the limit) on every server path before any model work,
 * hostile text never throws a RangeError, huge images are refused from their header (data URLs on /v1
 * and the engine's own decode path), and a full queue answers 429 with Retry-After.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import { GET as healthGet } from "@/app/api/health/route";
import { POST as runPost } from "@/app/api/runs/route";
import { POST as scorePost } from "@/app/api/score/route";
import { bundledServerBackend, chatCompletions, decodeWithSharp, getServerModel, releaseServerModels } from "@/lib/backends/server";
import { AppError } from "@/lib/errors";
import type { PromptPart } from "@/lib/prompt/sequence";
import { putAsset } from "@/lib/store";
import { hugeHeaderPng } from "../support/images";
import { withStoreDatabase } from "./support/databases";
import { sha256 } from "./support/fixtures";
import { PKG } from "./runtime-golden";

const MODEL = "flamingo-mini";
const post = (handler: (r: Request) => Promise<Response>, body: unknown) =>
  handler(new Request("http://localhost/api/x", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
const chat = (body: unknown) => post(chatCompletions, body);
const message = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;
const text = (t: string): PromptPart => ({ type: "text", text: t });
const dataUrl = (b: Uint8Array) => `data:image/png;base64,${Buffer.from(b).toString("base64")}`;

describe("hostile input", () => {
  withStoreDatabase("sqlite");
  let image = "";
  let bomb = "";
  beforeAll(async () => {
    const bytes = new Uint8Array(readFileSync(path.join(PKG, "golden", "g_a1.png")));
    image = sha256(bytes);
    await putAsset({ id: image, mediaType: "image/png", width: 32, height: 32, bytes, thumbnail: new Uint8Array([1]) });
    // Stored without the upload checks (an older store, a direct write): the engine's decoder still checks the header.
    const huge = new Uint8Array(hugeHeaderPng(10_000, 10_000));
    bomb = sha256(huge);
    await putAsset({ id: bomb, mediaType: "image/png", width: 32, height: 32, bytes: huge, thumbnail: new Uint8Array([1]) });
    await getServerModel(MODEL);
  });
  afterAll(releaseServerModels);

  it("refuses prompts past the model's context on POST /api/runs with the count and the limit, at once", async () => {
    const t0 = performance.now();
    const r1 = await post(runPost, { prompt: { parts: [text("a".repeat(4000))] }, stream: false });
    expect(r1.status).toBe(413);
    expect(await message(r1)).toBe("The prompt is 4,000 tokens; this model reads at most 512 (prompt + max tokens), so with max tokens 20 the prompt may have at most 492");
    const r2 = await post(runPost, { prompt: { parts: [text("a".repeat(300))] }, maxTokens: 256 });
    expect(r2.status).toBe(413);
    expect(await message(r2)).toBe("The prompt is 300 tokens; this model reads at most 512 (prompt + max tokens), so with max tokens 256 the prompt may have at most 256");
    for (const hostile of ["€".repeat(64_000), "😀".repeat(32_000), "€".repeat(33_334)]) {
      const r = await post(runPost, { prompt: { parts: [{ type: "image", assetId: image }, text(hostile)] } });
      expect(r.status).toBe(413);
      expect(await message(r)).toMatch(/^The prompt is at least [\d,]+ tokens; this model reads at most 512 \(prompt \+ max tokens\)/);
    }
    expect(performance.now() - t0).toBeLessThan(3000);
    // The largest allowed prompt runs.
    const ok = await post(runPost, { prompt: { parts: [text("a".repeat(492))] }, maxTokens: 20, stream: false });
    expect(ok.status).toBe(200);
  });

  it("refuses on POST /api/score (prompt + longest candidate) and on the sweeps' scoreMany", async () => {
    const r = await post(scorePost, { prompt: { parts: [text("a".repeat(500))] }, candidates: ["dax", "a".repeat(20)] });
    expect(r.status).toBe(413);
    expect(await message(r)).toBe("The prompt is 500 tokens and its longest candidate 21; this model reads at most 512 (prompt + candidate)");
    const backend = bundledServerBackend(MODEL);
    const err = await backend.scoreMany([{ parts: [text("x")] }, { parts: [text("a".repeat(600))] }], [["a"], ["a"]]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toBe("The prompt is 600 tokens and its longest candidate 2; this model reads at most 512 (prompt + candidate)");
  });

  it("refuses on /v1/chat/completions (with prompt_logprobs too) in OpenAI's error shape", async () => {
    const body = { model: MODEL, messages: [{ role: "user", content: "a".repeat(1000) }], max_tokens: 16 };
    for (const extra of [{}, { prompt_logprobs: 1 }]) {
      const r = await chat({ ...body, ...extra });
      expect(r.status).toBe(413);
      const e = ((await r.json()) as { error: { message: string; type: string; code: string } }).error;
      expect(e).toMatchObject({ type: "invalid_request_error", code: "payload_too_large" });
      expect(e.message).toBe("The prompt is 1,000 tokens; this model reads at most 512 (prompt + max tokens), so with max tokens 16 the prompt may have at most 496");
    }
    const huge = await chat({ ...body, messages: [{ role: "user", content: "€".repeat(64_000) }] });
    expect(huge.status).toBe(413);
  });

  it("refuses a 10000×10000 PNG data URL on /v1 from its header, before decoding it", async () => {
    const png = new Uint8Array(hugeHeaderPng(10_000, 10_000));
    const image = { type: "image_url", image_url: { url: dataUrl(png) } };
    const t0 = performance.now();
    const r = await chat({ model: MODEL, messages: [{ role: "user", content: [image, image, image, image, image, { type: "text", text: "Output:" }] }], max_tokens: 2 });
    expect(r.status).toBe(413);
    const e = ((await r.json()) as { error: { message: string; param: string } }).error;
    expect(e.message).toMatch(/^messages\.0\.content\.0\.image_url: The image is 10000×10000 pixels \(100 megapixels\); the limit is 40 megapixels \(ASSET_MAX_MEGAPIXELS\)/);
    expect(e.param).toBe("messages.0.content.0.image_url");
    expect(performance.now() - t0).toBeLessThan(2000);
    // Not an image at all: 415, as an upload.
    const notImage = await chat({ model: MODEL, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64," + Buffer.from("hello, not a png").toString("base64") } }] }] });
    expect(notImage.status).toBe(415);
  });

  it("refuses a huge image on the engine's own decode path (asset store) from its header", async () => {
    const r = await post(runPost, { prompt: { parts: [{ type: "image", assetId: bomb }, text("Output:")] }, stream: false });
    expect(r.status).toBe(413);
    expect(await message(r)).toMatch(/^Image [0-9a-f]{12}: The image is 10000×10000 pixels/);
    const ok = await post(runPost, { prompt: { parts: [{ type: "image", assetId: image }, text("Output:")] }, maxTokens: 2, stream: false });
    expect(ok.status).toBe(200);
  });

  it("shrinks a big image natively before the engine's own preprocessing; small ones reach it untouched", async () => {
    const png = async (width: number, height: number) =>
      new Uint8Array(await sharp({ create: { width, height, channels: 4, background: { r: 200, g: 10, b: 10, alpha: 0.5 } } }).png().toBuffer());
    const big = await decodeWithSharp(await png(3000, 2000), { width: 32, height: 32 });
    expect([big.width, big.height, big.data.length]).toEqual([1024, 1024, 1024 * 1024 * 4]);
    const small = await decodeWithSharp(await png(300, 20), { width: 32, height: 32 });
    expect([small.width, small.height]).toEqual([300, 20]);
  });

  it("reports the server's memory on GET /api/health", async () => {
    const body = (await (await healthGet()).json()) as { rss: number; memory: { rss: number; heapUsed: number } };
    expect(body.rss).toBeGreaterThan(10_000_000);
    expect(body.memory.heapUsed).toBeGreaterThan(0);
  });

  it("answers a full queue with 429 and Retry-After (seconds) on /v1, and retryAfter on the backend's AppError", async () => {
    const body = { model: MODEL, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `/api/assets/${image}` } }, { type: "text", text: "Output:" }] }], max_tokens: 3 };
    const rs = await Promise.all(Array.from({ length: 24 }, () => chat(body)));
    const refused = rs.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(rs.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(17);
    for (const r of refused) {
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(((await r.json()) as { error: { type: string } }).error.type).toBe("rate_limit_exceeded");
    }

    const backend = bundledServerBackend(MODEL);
    const outcomes = await Promise.allSettled(Array.from({ length: 24 }, () => backend.generate({ parts: [{ type: "image", assetId: image }, text("Output:")] }, { maxTokens: 3, minTokens: 3 })));
    const busy = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
    expect(busy.length).toBeGreaterThan(0);
    for (const e of busy) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(429);
      expect((e as AppError).retryAfter).toBeGreaterThanOrEqual(1);
    }
  });
});
