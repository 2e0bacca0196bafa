/**
 * The run / score route handlers end to end: assets in a real (SQLite) store, the real model
 * package, server-sent events, limits and errors as clear statuses, and the server still
 * answering afterwards.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as runPost, GET as runGet } from "@/app/api/runs/route";
import { POST as scorePost } from "@/app/api/score/route";
import { releaseServerModels } from "@/lib/backends/server";
import { putAsset } from "@/lib/store";
import type { PromptPart } from "@/lib/prompt/sequence";
import { sha256 } from "./support/fixtures";
import { withStoreDatabase } from "./support/databases";

const MODELS_DIR = process.env.FLAMINGO_MODELS_DIR ?? path.join(process.cwd(), "public", "models");
const PKG = path.join(MODELS_DIR, "flamingo-mini");

const post = (handler: (r: Request) => Promise<Response>, body: unknown) =>
  handler(new Request("http://localhost/api/x", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));

/** Parse a text/event-stream body into [event, data] pairs. */
async function sse(res: Response): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((f) => f.trim() !== "")
    .map((f) => {
      const event = /^event: (.*)$/m.exec(f)?.[1] ?? "";
      const data = JSON.parse(/^data: (.*)$/m.exec(f)?.[1] ?? "null") as Record<string, unknown>;
      return { event, data };
    });
}

describe("run and score routes", () => {
  withStoreDatabase("sqlite");
  const ids: string[] = [];
  let corrupt = "";

  beforeAll(async () => {
    for (const f of ["g_a1.png", "g_b1.png", "g_a2.png"]) {
      const bytes = new Uint8Array(readFileSync(path.join(PKG, "golden", f)));
      await putAsset({ id: sha256(bytes), mediaType: "image/png", width: 32, height: 32, bytes, thumbnail: new Uint8Array([1]) });
      ids.push(sha256(bytes));
    }
    const half = new Uint8Array(readFileSync(path.join(PKG, "golden", "g_b2.png"))).slice(0, 60);
    corrupt = sha256(half);
    await putAsset({ id: corrupt, mediaType: "image/png", width: 32, height: 32, bytes: half, thumbnail: new Uint8Array([1]) });
  });
  afterAll(releaseServerModels);

  const fewShot = (): PromptPart[] => [
    { type: "image", assetId: ids[0]! },
    { type: "text", text: "Output:dax" },
    { type: "endOfChunk" },
    { type: "text", text: "\n" },
    { type: "image", assetId: ids[1]! },
    { type: "text", text: "Output:blicket" },
    { type: "endOfChunk" },
    { type: "text", text: "\n" },
    { type: "image", assetId: ids[2]! },
    { type: "text", text: "Output:" },
  ];

  it("streams tokens as server-sent events, then the result", async () => {
    const res = await post(runPost, { prompt: { parts: fewShot() }, maxTokens: 6, trace: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const frames = await sse(res);
    const done = frames.at(-1)!;
    expect(done.event).toBe("done");
    const tokens = frames.filter((f) => f.event === "token");
    expect(tokens.filter((t) => !t.data.stop).map((t) => t.data.tokenId)).toEqual(done.data.tokenIds);
    expect(tokens.map((t) => t.data.text).join("")).toBe(done.data.text);
    expect(["cpu", "cuda"]).toContain(done.data.executionProvider);
    expect((tokens[0]!.data.trace as { attentionPerImage: number[] }).attentionPerImage).toHaveLength(3);
  });

  it("answers with one JSON object when stream is false, and scores candidates", async () => {
    const res = await post(runPost, { prompt: { parts: fewShot() }, maxTokens: 4, stream: false });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tokenIds: number[]; finishReason: string };
    expect(body.tokenIds.length).toBeGreaterThan(0);
    const sres = await post(scorePost, { prompt: { parts: fewShot() }, candidates: ["dax", "blicket", "wug"] });
    expect(sres.status).toBe(200);
    const scored = (await sres.json()) as { scores: { sum: number; mean: number }[]; ranking: number[] };
    expect(scored.scores).toHaveLength(3);
    expect([...scored.ranking].sort()).toEqual([0, 1, 2]);
    const sums = scored.ranking.map((i) => scored.scores[i]!.sum);
    expect(sums).toEqual([...sums].sort((a, b) => b - a));
  });

  it("reports the execution provider", async () => {
    const res = await runGet(new Request("http://localhost/api/runs?model=flamingo-mini"));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { executionProvider: string };
    expect(["cpu", "cuda"]).toContain(body.executionProvider);
  });

  it("gives clear 4xx errors: 200 images, corrupt image, unknown model, unknown image, bad limits", async () => {
    const many: PromptPart[] = Array.from({ length: 200 }, () => [{ type: "image", assetId: ids[0]! } as PromptPart, { type: "text", text: "Output:x" } as PromptPart]).flat();
    const r1 = await post(runPost, { prompt: { parts: many } });
    expect(r1.status).toBe(413);
    expect(((await r1.json()) as { error: { message: string } }).error.message).toMatch(/200 images/);

    const r2 = await post(runPost, { prompt: { parts: [{ type: "image", assetId: corrupt }, { type: "text", text: "Output:" }] } });
    expect(r2.status).toBe(422);
    expect(((await r2.json()) as { error: { message: string } }).error.message).toMatch(/could not be decoded/);

    const r3 = await post(runPost, { model: "no-such-model", prompt: { parts: fewShot() } });
    expect(r3.status).toBe(404);
    expect(((await r3.json()) as { error: { message: string } }).error.message).toMatch(/no-such-model/);

    const r4 = await post(scorePost, { prompt: { parts: [{ type: "image", assetId: "f".repeat(64) }] }, candidates: ["a"] });
    expect(r4.status).toBe(404);

    const r5 = await post(runPost, { prompt: { parts: fewShot() }, maxTokens: 100_000 });
    expect(r5.status).toBe(400);
    const r6 = await post(scorePost, { prompt: { parts: fewShot() }, candidates: [] });
    expect(r6.status).toBe(400);

    // ...and the server keeps serving.
    const ok = await post(runPost, { prompt: { parts: fewShot() }, maxTokens: 2, stream: false });
    expect(ok.status).toBe(200);
  });

  it("answers 429 past a full queue instead of running the session concurrently, then serves again", async () => {
    const rs = await Promise.all(Array.from({ length: 24 }, () => post(runPost, { prompt: { parts: fewShot() }, maxTokens: 3, minTokens: 3, stream: false })));
    const statuses = rs.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(17); // one running + 16 waiting
    const refused = rs.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(((await refused[0]!.json()) as { error: { message: string } }).error.message).toMatch(/busy/);
    const ok = await post(runPost, { prompt: { parts: fewShot() }, maxTokens: 2, stream: false });
    expect(ok.status).toBe(200);
  });
});

describe("run route cancellation", () => {
  withStoreDatabase("sqlite");
  afterAll(releaseServerModels);

  it("stops generating when the client cancels the event stream, and keeps serving", async () => {
    const PKG_IMG = path.join(PKG, "golden", "g_a1.png");
    const bytes = new Uint8Array(readFileSync(PKG_IMG));
    await putAsset({ id: sha256(bytes), mediaType: "image/png", width: 32, height: 32, bytes, thumbnail: new Uint8Array([1]) });
    const parts: PromptPart[] = [{ type: "image", assetId: sha256(bytes) }, { type: "text", text: "Output:" }];
    const { getServerModel } = await import("@/lib/backends/server");
    const m = await getServerModel("flamingo-mini");
    const before = m.engine.stats().tokensGenerated;
    const res = await post(runPost, { prompt: { parts }, maxTokens: 200, minTokens: 200 });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // first token frame
    await reader.cancel();
    // The next request waits for the cancelled run, which stops between steps, not after 200 tokens.
    const next = await m.engine.generate({ parts }, { maxTokens: 1, minTokens: 1 });
    expect(next.tokenIds).toHaveLength(1);
    expect(m.engine.stats().tokensGenerated - before).toBeLessThan(100);
    expect(m.engine.stats().queue.pending).toBe(0);
  });
});
