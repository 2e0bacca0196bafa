/**
 * Sweeps on a remote engine, end to end on real SQLite and PostgreSQL: the Examples' novel-words
 * template over "Novel emoji (2-way)" run by the background runner on the bundled model and on a
 * registered remote engine — a second Flamingo Studio process serving our real /v1
 * (tests/support/v1-server.ts) behind the fault proxy (tests/support/fault-proxy.ts).
 *
 * - Recoverable faults (429 with Retry-After, 503, a reset mid-answer, a slow answer): every cell
 *   stored once per engine, none failed, retries and tokens counted, the Retry-After honoured (the
 *   proxy's timestamps), rank methods per engine, and the remote ranking equal to the bundled
 *   engine's exact log-likelihoods without `<|endofchunk|>` (what prompt_logprobs measures).
 * - A fault that outlasts the retries: those cells stored as failed with the engine's words; "Retry
 *   failed cells" runs only them again.
 * - Answers without log-probabilities: the remote cells say they were ranked approximately.
 * - A 401: the sweep fails with the engine's words, no cell stored per request.
 *
 * Waits on state (the runner's drain), never on time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as sweepsRoute from "@/app/api/sweeps/route";
import * as sweepRoute from "@/app/api/sweeps/[id]/route";
import * as resultsRoute from "@/app/api/sweeps/[id]/results/route";
import * as retryRoute from "@/app/api/sweeps/[id]/retry/route";
import { encodeImage } from "@/lib/backends/remote";
import { bundledServerBackend, releaseServerModels } from "@/lib/backends/server";
import { createEngine } from "@/lib/engines";
import type { EngineSummary } from "@/lib/engines/types";
import { seedExamples } from "@/lib/examples";
import { getDatasetItems, listTemplates } from "@/lib/store";
import { getAssetBytes } from "@/lib/store/assets";
import { listDatasets } from "@/lib/store/datasets";
import { loadSweepContext, materialize, sweepPlan } from "@/lib/sweeps/context";
import { cellKey } from "@/lib/sweeps/plan";
import { sweepRunner } from "@/lib/sweeps/runner";
import type { SweepCellResult, SweepDetail } from "@/lib/sweeps/types";
import { startFaultProxy, type Fault, type FaultProxy, type SeenRequest } from "../support/fault-proxy";
import { startV1Server, type V1Server } from "../support/v1-server";
import { providers, withStoreDatabase } from "./support/databases";

const MODEL = "flamingo-mini";
const BASE = "http://studio.test";
const params = (id: string) => ({ params: Promise.resolve({ id }) });
const get = (url: string) => new Request(`${BASE}${url}`);
const post = (url: string, body?: unknown) => new Request(`${BASE}${url}`, { method: "POST", headers: { "content-type": "application/json" }, body: body === undefined ? null : JSON.stringify(body) });

async function createSweep(body: Record<string, unknown>): Promise<SweepDetail> {
  const res = await sweepsRoute.POST(post("/api/sweeps", body));
  const json = (await res.json()) as { sweep: SweepDetail; error?: { message: string } };
  expect(res.status, json.error?.message).toBe(201);
  return json.sweep;
}
const sweepOf = async (id: string) => ((await (await sweepRoute.GET(get(`/api/sweeps/${id}`), params(id))).json()) as { sweep: SweepDetail }).sweep;
const resultsOf = async (id: string) => ((await (await resultsRoute.GET(get(`/api/sweeps/${id}/results`), params(id))).json()) as { results: SweepCellResult[] }).results;
const resultKey = (r: SweepCellResult) => `${r.engine}|${cellKey(r)}`;

let v1: V1Server;
let proxy: FaultProxy;

beforeAll(async () => {
  v1 = await startV1Server();
  proxy = await startFaultProxy({ target: v1.origin });
});
afterAll(async () => {
  await proxy?.close();
  await v1?.stop();
  await releaseServerModels();
});
beforeEach(() => proxy.reset());

const chats = () => proxy.requests.filter((r) => r.path.endsWith("/chat/completions"));
type ChatBody = { messages: { role: string; content: string | { type: string; image_url?: { url: string } }[] }[] };
/** The query image of a request (in `turns` style, the image of the last user message). */
function queryImageOf(req: SeenRequest): string | undefined {
  const messages = (req.json as ChatBody | undefined)?.messages ?? [];
  const last = [...messages].reverse().find((m) => m.role === "user");
  return Array.isArray(last?.content) ? last.content.find((p) => p.type === "image_url")?.image_url?.url : undefined;
}

describe.each(providers)("sweeps on a remote engine on %s", (provider) => {
  withStoreDatabase(provider);
  let templateId = "";
  let datasetId = "";
  let remote: EngineSummary;
  /** Engine settings: the proxy in front of the /v1 server; PNG as stored, so the remote model sees the same pixels. */
  const engineInput = (name: string) => ({ name, baseUrl: `${proxy.url}/v1`, model: MODEL, promptStyle: "turns" as const, maxConcurrency: 4, image: { format: "png" as const, maxSide: null } });
  const rankSweep = (over: Record<string, unknown> = {}) => ({ templateId, datasetId, shots: [0, 1, 4], queries: 6, mode: "rank", engines: [MODEL, remote.id], ...over });

  beforeAll(async () => {
    const seeded = await seedExamples();
    const dataset = (await listDatasets({ libraryId: seeded.libraryId })).find((d) => d.name === "Novel emoji (2-way)");
    const template = (await listTemplates({ libraryId: seeded.libraryId })).find((t) => t.name === "Classification with novel words (dax or blicket)");
    if (!dataset || !template) throw new Error("the Examples library lacks the novel-words template or the Novel emoji dataset");
    datasetId = dataset.id;
    templateId = template.id;
    remote = await createEngine(engineInput("v1 behind the fault proxy"));
  });

  it("runs a rank sweep on the bundled and the remote engine through 429, 503, a reset and a slow answer: every cell once, none failed", async () => {
    // Faults by arrival order, each recoverable within the retry policy (5 attempts per cell).
    const faults = new Map<number, Fault>([
      [2, { status: 429, retryAfter: 1 }],
      [5, { status: 503 }],
      [8, { resetAfterBytes: 100 }],
      [11, { delayMs: 1500 }],
    ]);
    proxy.plan((req) => faults.get(req.index) ?? null);
    const created = await createSweep(rankSweep());
    expect(created).toMatchObject({ status: "queued", totalCells: 3 * 6 * 2 });
    await sweepRunner().drain();

    const done = await sweepOf(created.id);
    expect(done).toMatchObject({ status: "done", doneCells: 36, error: null });
    const results = await resultsOf(done.id);
    expect(results).toHaveLength(36);
    expect(new Set(results.map(resultKey)).size).toBe(36);
    const mine = (engine: string) => results.filter((r) => r.engine === engine);
    expect(mine(MODEL)).toHaveLength(18);
    expect(mine(remote.id)).toHaveLength(18);
    expect(results.filter((r) => r.error !== null)).toEqual([]);
    expect(done.stats.failedCells).toBe(0);

    // Each injected fault that answered with an error cost one retry; the slow answer none.
    const seen = chats();
    expect(seen.filter((r) => r.fault).map((r) => r.index)).toEqual([2, 5, 8, 11]);
    expect(done.stats.retries).toBe(3);
    // Tokens: the remote engine reports them (the bundled one does not), counted once per cell.
    const remoteTokens = mine(remote.id).reduce((n, r) => n + (r.promptTokens ?? 0), 0);
    expect(remoteTokens).toBeGreaterThan(0);
    for (const r of mine(remote.id)) expect(r.promptTokens).toBeGreaterThan(0);
    for (const r of mine(MODEL)) expect(r.promptTokens).toBeNull();
    expect(done.stats.promptTokens).toBe(remoteTokens);
    expect(done.stats.rankMethods).toEqual({ exact: 18, prompt_logprobs: 18 });

    // The 429's Retry-After (1 s) was honoured: the same request came back no sooner.
    const limited = seen.find((r) => r.status === 429) as SeenRequest;
    const again = seen.find((r) => r.index > limited.index && r.body === limited.body) as SeenRequest;
    expect(again, "the rate-limited request was sent again").toBeDefined();
    expect(again.receivedAt - (limited.respondedAt as number)).toBeGreaterThanOrEqual(990);
    // The slow answer was slow, and waited for (the engine's timeout is 60 s).
    const slow = seen.find((r) => r.fault?.delayMs) as SeenRequest;
    expect(slow.status).toBe(200);
    expect((slow.respondedAt as number) - slow.receivedAt).toBeGreaterThanOrEqual(1500);
    // The reset and the 503 were retried too: every request body that failed was answered later.
    for (const failed of seen.filter((r) => r.fault && !r.fault.delayMs)) expect(seen.some((r) => r.index > failed.index && r.body === failed.body && r.status === 200)).toBe(true);

    // Same answers as the bundled engine's exact ranking without <|endofchunk|> (what prompt
    // log-probabilities measure), and the same log-likelihood, except in a near tie.
    const ctx = await loadSweepContext(done.id);
    const plan = await sweepPlan(ctx);
    const mats = plan.map((c) => materialize(ctx, c));
    const reference = await bundledServerBackend(MODEL).scoreMany(mats.map((m) => m.prompt), mats.map((m) => m.candidates as string[]), { appendEndOfChunk: false });
    const byKey = new Map(results.map((r) => [resultKey(r), r]));
    let agreeWithBundled = 0;
    plan.forEach((cell, i) => {
      const scores = (reference[i] as (typeof reference)[number]).scores;
      const r = byKey.get(`${remote.id}|${cellKey(cell)}`) as SweepCellResult;
      const b = byKey.get(`${MODEL}|${cellKey(cell)}`) as SweepCellResult;
      expect(r.demoItemIds).toEqual(b.demoItemIds);
      const chosen = scores.find((s) => s.candidate === r.output);
      expect(chosen, `${cellKey(cell)}: ${r.output} is a candidate`).toBeDefined();
      expect(Math.abs(r.score - (chosen?.sum as number)), `${cellKey(cell)}: log-likelihood of ${r.output}`).toBeLessThan(1e-3);
      const best = Math.max(...scores.map((s) => s.sum));
      expect(best - (chosen?.sum as number), `${cellKey(cell)}: ${r.output} ranked first`).toBeLessThan(1e-3);
      // The bundled engine's own choice (with <|endofchunk|>) is the same unless the call is close.
      if (r.output === b.output) agreeWithBundled++;
      else expect(Math.abs((scores[0]?.sum as number) - (scores[1]?.sum as number)), `${cellKey(cell)}: ${r.output} (remote) against ${b.output} (bundled)`).toBeLessThan(1);
    });
    expect(agreeWithBundled).toBeGreaterThan(0);
  });

  it("stores the cells of a fault that outlasts the retries as failed, with the engine's words; Retry failed cells runs only those", async () => {
    const items = (await getDatasetItems(datasetId)).filter((i) => i.split === "eval");
    const target = items[2] as (typeof items)[number];
    // As the engine receives it: PNG as stored.
    const targetUrl = (await encodeImage((await getAssetBytes(target.assetId)).bytes, { format: "png", maxSide: null })).url;
    // Every request for that query's cells: 503 (Retry-After 0, so the 5 attempts take no time).
    proxy.plan((req) => (queryImageOf(req) === targetUrl ? { status: 503, retryAfter: 0 } : null));
    const created = await createSweep(rankSweep());
    await sweepRunner().drain();

    const done = await sweepOf(created.id);
    expect(done).toMatchObject({ status: "done", doneCells: 36, error: null });
    expect(done.stats.failedCells).toBe(3);
    const results = await resultsOf(done.id);
    const failed = results.filter((r) => r.error !== null);
    expect(failed.map((r) => [r.engine, r.itemId]).sort()).toEqual([0, 1, 4].map(() => [remote.id, target.id]));
    expect(failed.map((r) => r.shots).sort((a, b) => a - b)).toEqual([0, 1, 4]);
    for (const r of failed) {
      expect(r.error).toBe(`The engine ${remote.name} failed (503): Service unavailable (fault proxy 503) (gave up after 5 attempts)`);
      expect(r).toMatchObject({ output: "", correct: false, promptTokens: null });
    }
    // 5 attempts per failed cell (its first candidate's request each time), nothing else refused.
    expect(chats().filter((r) => r.status === 503)).toHaveLength(3 * 5);
    expect(done.stats.retries).toBe(3 * 4);

    proxy.reset();
    const res = await retryRoute.POST(post(`/api/sweeps/${done.id}/retry`), params(done.id));
    expect(res.status).toBe(200);
    const requeued = (await res.json()) as { retried: number; sweep: SweepDetail };
    expect(requeued.retried).toBe(3);
    expect(requeued.sweep).toMatchObject({ status: "queued", doneCells: 33 });
    expect(requeued.sweep.stats.failedCells).toBe(0);
    await sweepRunner().drain();

    // Only the 3 failed cells ran again: 2 candidates each.
    expect(chats()).toHaveLength(3 * 2);
    for (const r of chats()) expect(queryImageOf(r)).toBe(targetUrl);
    const after = await sweepOf(done.id);
    expect(after).toMatchObject({ status: "done", doneCells: 36, error: null });
    expect(after.stats.failedCells).toBe(0);
    expect(after.stats.rankMethods).toEqual({ exact: 18, prompt_logprobs: 18 });
    const rerun = await resultsOf(done.id);
    expect(rerun).toHaveLength(36);
    expect(rerun.filter((r) => r.error !== null)).toEqual([]);
    // The cells that had run are untouched (same rows).
    const kept = new Map(rerun.map((r) => [r.id, r]));
    for (const r of results.filter((x) => x.error === null)) expect(kept.get(r.id)).toEqual(r);
    expect((await retryRoute.POST(post(`/api/sweeps/${done.id}/retry`), params(done.id))).status).toBe(409);
  });

  it("says when answers carry no log-probabilities: the remote cells were ranked approximately", async () => {
    // Its own engine: the refused methods are remembered per engine for a while.
    const stripped = await createEngine(engineInput("v1 without log-probabilities"));
    proxy.plan(() => ({ stripLogprobs: true }));
    const created = await createSweep(rankSweep({ shots: [0, 1], queries: 3, engines: [stripped.id] }));
    await sweepRunner().drain();
    const done = await sweepOf(created.id);
    expect(done).toMatchObject({ status: "done", doneCells: 6, error: null });
    expect(done.stats.failedCells).toBe(0);
    const methods = done.stats.rankMethods ?? {};
    expect(Object.keys(methods).every((m) => m === "first_token_logprobs" || m === "generate_match"), JSON.stringify(methods)).toBe(true);
    expect((methods.first_token_logprobs ?? 0) + (methods.generate_match ?? 0)).toBe(6);
    expect(chats().length).toBeGreaterThan(0);
    expect(chats().every((r) => r.fault?.stripLogprobs)).toBe(true);
  });

  it("fails the sweep with the engine's words on a 401, instead of storing a 401 per cell", async () => {
    proxy.plan(() => ({ status: 401 }));
    const created = await createSweep(rankSweep({ engines: [remote.id] }));
    // The runner logs why the sweep failed: keep it out of the test output, and check it.
    const logged: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
    try {
      await sweepRunner().drain();
    } finally {
      spy.mockRestore();
    }
    expect(logged.join("\n")).toContain(`[sweeps] sweep ${created.id} failed: UpstreamError: The engine ${remote.name} refused the credentials (401)`);
    const failed = await sweepOf(created.id);
    expect(failed).toMatchObject({ status: "failed", error: `The engine ${remote.name} refused the credentials (401): Invalid API key (fault proxy)` });
    expect(failed.finishedAt).not.toBeNull();
    expect(await resultsOf(created.id)).toEqual([]);
    // One request per lane at most: no retries of a 401, no cell after it.
    expect(chats().length).toBeGreaterThan(0);
    expect(chats().length).toBeLessThanOrEqual(4);
    expect(failed.stats.retries).toBe(0);
  });
});
