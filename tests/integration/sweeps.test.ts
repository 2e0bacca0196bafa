/**
 * Sweeps end to end through the route handlers on real SQLite and PostgreSQL, with the real
 * bundled ONNX model: create → the runner runs every cell → results, curve, prompt, export;
 * idempotent result inserts; a browser-backend sweep's plan and posted results; cancel; resume of a
 * sweep left "running" by a dead process; bad input as actionable 4xx.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as sweepsRoute from "@/app/api/sweeps/route";
import * as sweepRoute from "@/app/api/sweeps/[id]/route";
import * as cancelRoute from "@/app/api/sweeps/[id]/cancel/route";
import * as resultsRoute from "@/app/api/sweeps/[id]/results/route";
import * as curveRoute from "@/app/api/sweeps/[id]/curve/route";
import * as exportRoute from "@/app/api/sweeps/[id]/export/route";
import * as promptRoute from "@/app/api/sweeps/[id]/prompt/route";
import * as planRoute from "@/app/api/sweeps/[id]/plan/route";
import { getServerModel, releaseServerModels } from "@/lib/backends/server";
import { ingestImage } from "@/lib/assets";
import { createTemplate, ensureDefaultLibrary } from "@/lib/store";
import { createDataset } from "@/lib/store/datasets";
import { db } from "@/lib/store/db";
import { insertSweepResults, listSweepResults } from "@/lib/store/sweeps";
import { sweepRunner } from "@/lib/sweeps/runner";
import type { SweepCellPrompt, SweepCellResult, SweepCurvePoint, SweepDetail, SweepPlan, SweepSummary } from "@/lib/sweeps/types";
import { providers, withStoreDatabase } from "./support/databases";

const BASE = "http://studio.test";
const IMAGES = path.join(process.cwd(), "lib", "examples", "images");
const params = (id: string) => ({ params: Promise.resolve({ id }) });
const get = (url: string) => new Request(`${BASE}${url}`);
const post = (url: string, body?: unknown) => new Request(`${BASE}${url}`, { method: "POST", headers: { "content-type": "application/json" }, body: body === undefined ? null : JSON.stringify(body) });

/** Two made-up labels over the example images: living things are "dax", made things "blicket". */
const DAX = ["cat.png", "puppy.png", "owl.png", "sunflower.png", "grinning-cat.png", "strawberry.png"];
const BLICKET = ["bicycle.png", "red-car.png", "taxi.png", "rocket.png", "hammer.png", "teapot.png"];
const EVAL = new Set(["grinning-cat.png", "strawberry.png", "hammer.png", "teapot.png"]);

const keyOf = (r: { itemId: string; shots: number; seed: number; selection: string }) => `${r.itemId}|${r.shots}|${r.seed}|${r.selection}`;

async function createSweep(body: Record<string, unknown>): Promise<{ status: number; sweep: SweepDetail; error?: { code: string; message: string } }> {
  const res = await sweepsRoute.POST(post("/api/sweeps", body));
  const json = (await res.json()) as { sweep: SweepDetail; error?: { code: string; message: string } };
  return { status: res.status, ...json };
}
const sweepOf = async (id: string) => ((await (await sweepRoute.GET(get(`/api/sweeps/${id}`), params(id))).json()) as { sweep: SweepDetail }).sweep;
const resultsOf = async (id: string) => ((await (await resultsRoute.GET(get(`/api/sweeps/${id}/results`), params(id))).json()) as { results: SweepCellResult[] }).results;

describe.each(providers)("sweeps on %s", (provider) => {
  withStoreDatabase(provider);
  let templateId = "";
  let twoImageTemplateId = "";
  let datasetId = "";
  let vqaDatasetId = "";
  const base = () => ({ templateId, datasetId, shots: [0, 1, 2, 4], selections: ["random", "balanced", "rices"] });

  beforeAll(async () => {
    const library = await ensureDefaultLibrary();
    const asset = async (f: string) => (await ingestImage(new Uint8Array(readFileSync(path.join(IMAGES, f))))).asset.id;
    const items = [];
    for (const [answer, files] of [["dax", DAX], ["blicket", BLICKET]] as const) {
      for (const f of files) items.push({ assetId: await asset(f), question: null, answer, candidates: null, split: EVAL.has(f) ? ("eval" as const) : ("pool" as const) });
    }
    datasetId = (await createDataset({ libraryId: library.id, name: "Living or made", task: "classification", items, assets: [] })).id;
    vqaDatasetId = (await createDataset({ libraryId: library.id, name: "With questions", task: "vqa", items: items.map((it) => ({ ...it, question: "What is it?" })), assets: [] })).id;
    const query = { blocks: [{ type: "image", source: { kind: "variable", name: "image" } }, { type: "text", text: "Output:" }] };
    templateId = (await createTemplate({ libraryId: library.id, document: { formatVersion: 1, name: "Dax or blicket", variables: [{ name: "image", kind: "image" }], query } })).id;
    const cat = await asset("cat.png");
    const two = { blocks: [{ type: "image", source: { kind: "asset", assetId: cat } }, { type: "text", text: "Image 1." }, { type: "image", source: { kind: "asset", assetId: cat } }, { type: "text", text: "Output:" }] };
    twoImageTemplateId = (await createTemplate({ libraryId: library.id, document: { formatVersion: 1, name: "Two images", query: two } })).id;
  });
  afterAll(releaseServerModels);

  let done: SweepDetail;

  it("runs a sweep to done on the real model: every cell stored once, curve, prompt and export", async () => {
    const created = await createSweep(base());
    expect(created.status).toBe(201);
    expect(created.sweep).toMatchObject({ status: "queued", doneCells: 0, totalCells: 4 * 4 * 3, templateName: "Dax or blicket", datasetName: "Living or made" });
    expect(created.sweep.config).toMatchObject({ shots: [0, 1, 2, 4], seeds: 1, mode: "rank", backend: "server", queries: 4, templateVersion: 1, model: "flamingo-mini" });
    await sweepRunner().drain();
    done = await sweepOf(created.sweep.id);
    expect(done).toMatchObject({ status: "done", doneCells: 48, etaSeconds: null, error: null });
    expect(done.finishedAt).not.toBeNull();
    expect(done.stats.visualCacheLookups).toBeGreaterThan(0);
    expect(done.stats.visualCacheHits).toBeGreaterThan(0);
    expect(done.stats.modelMs).toBeGreaterThan(0);
    expect(done.stats.wallMs).toBeGreaterThanOrEqual(done.stats.modelMs * 0.5);

    const results = await resultsOf(done.id);
    expect(results).toHaveLength(48);
    expect(new Set(results.map(keyOf)).size).toBe(48);
    for (const r of results) {
      expect(r.engine).toBe("flamingo-mini");
      expect(r.error).toBeNull();
      expect(r.demoItemIds).toHaveLength(r.shots);
      expect(["dax", "blicket"]).toContain(r.output);
      expect(r.demoItemIds).not.toContain(r.itemId);
    }
    // Balanced 2-shot: one of each answer; 0-shot identical across selections.
    const items = new Map((await (await import("@/lib/store")).getDatasetItems(datasetId)).map((i) => [i.id, i]));
    for (const r of results.filter((r) => r.selection === "balanced" && r.shots === 2)) expect(new Set(r.demoItemIds.map((d) => items.get(d)?.answer))).toEqual(new Set(["dax", "blicket"]));
    const zero = results.filter((r) => r.shots === 0);
    for (const r of zero) expect(r.output).toBe(zero.find((z) => z.itemId === r.itemId && z.selection === "random")?.output);

    const curve = ((await (await curveRoute.GET(get(`/api/sweeps/${done.id}/curve`), params(done.id))).json()) as { curve: SweepCurvePoint[] }).curve;
    expect(curve).toHaveLength(12);
    for (const p of curve) {
      expect(p.engine).toBe("flamingo-mini");
      expect(p.n).toBe(4);
      expect(p.low).toBeLessThanOrEqual(p.accuracy);
      expect(p.high).toBeGreaterThanOrEqual(p.accuracy);
    }

    const cell = results.find((r) => r.selection === "rices" && r.shots === 4) as SweepCellResult;
    const q = `itemId=${cell.itemId}&shots=4&seed=0&selection=rices`;
    const promptRes = await promptRoute.GET(get(`/api/sweeps/${done.id}/prompt?${q}`), params(done.id));
    expect(promptRes.status).toBe(200);
    const prompt = ((await promptRes.json()) as { prompt: SweepCellPrompt }).prompt;
    expect(prompt.demoItemIds).toEqual(cell.demoItemIds);
    expect(prompt.text).toMatch(/^(<image>Output:(dax|blicket)<\|endofchunk\|>\n){4}<image>Output:$/);
    expect(prompt.images).toHaveLength(5);
    expect(prompt.images[4]).toBe(items.get(cell.itemId)?.assetId);
    expect(prompt.candidates).toEqual(["dax", "blicket"]);
    const missing = await promptRoute.GET(get(`/api/sweeps/${done.id}/prompt?itemId=${cell.itemId}&shots=3&seed=0&selection=rices`), params(done.id));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/no cell with 3 shots/);

    const csv = await exportRoute.GET(get(`/api/sweeps/${done.id}/export?format=csv`), params(done.id));
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    expect(csv.headers.get("content-disposition")).toMatch(/attachment; filename=".*\.sweep\.csv"/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("engine,itemId,assetId,question,answer,shots,seed,selection,output,correct,score,demoItemIds,ms,error,promptTokens,completionTokens");
    expect(lines[1]).toMatch(/^flamingo-mini,/);
    expect(lines).toHaveLength(49);
    const json = (await (await exportRoute.GET(get(`/api/sweeps/${done.id}/export?format=json`), params(done.id))).json()) as { assetId: string; answer: string }[];
    expect(json).toHaveLength(48);
    expect(json[0]?.assetId).toMatch(/^[0-9a-f]{64}$/);
    expect((await exportRoute.GET(get(`/api/sweeps/${done.id}/export?format=xml`), params(done.id))).status).toBe(400);

    const list = ((await (await sweepsRoute.GET(get(`/api/sweeps?datasetId=${datasetId}`))).json()) as { sweeps: SweepSummary[] }).sweeps;
    expect(list.map((s) => s.id)).toContain(done.id);
    expect(((await (await sweepsRoute.GET(get(`/api/sweeps?templateId=${twoImageTemplateId}`))).json()) as { sweeps: SweepSummary[] }).sweeps).toEqual([]);
  });

  it("inserts results only if absent, and only while the sweep is open", async () => {
    const results = await listSweepResults(done.id);
    const rows = results.slice(0, 5).map(({ id: _id, ...r }) => r);
    const { sweep: open } = await createSweep(base());
    expect(await insertSweepResults(open.id, rows.slice(0, 3))).toEqual({ accepted: 3, duplicates: 0, open: true });
    expect(await insertSweepResults(open.id, [...rows, rows[4]!].map((r) => ({ ...r, output: "changed" })))).toEqual({ accepted: 2, duplicates: 4, open: true });
    // The first three kept what was stored first; the two new ones came in once.
    expect((await listSweepResults(open.id)).map((r) => r.output)).toEqual(rows.map((r, i) => (i < 3 ? r.output : "changed")));
    expect((await sweepRoute.DELETE(get(`/api/sweeps/${open.id}`), params(open.id))).status).toBe(204);
    // A finished sweep takes no more.
    expect(await insertSweepResults(done.id, rows)).toEqual({ accepted: 0, duplicates: 0, open: false });
    expect(await listSweepResults(done.id)).toEqual(results);
    // A server sweep takes no posted results.
    const res = await resultsRoute.POST(post(`/api/sweeps/${done.id}/results`, { cells: [{ itemId: results[0]!.itemId, shots: 0, seed: 0, selection: "random", scores: [0, 1], ms: 1 }] }), params(done.id));
    expect(res.status).toBe(409);
  });

  it("runs a browser-backend sweep through plan and posted results, idempotently", async () => {
    const { sweep } = await createSweep({ ...base(), backend: "browser", shots: [0, 2], selections: ["random", "rices"] });
    await sweepRunner().drain();
    expect((await sweepOf(sweep.id)).status).toBe("queued"); // the server runner leaves browser sweeps alone
    const planRes = await planRoute.GET(get(`/api/sweeps/${sweep.id}/plan?limit=5`), params(sweep.id));
    const plan = ((await planRes.json()) as { plan: SweepPlan }).plan;
    expect(plan).toMatchObject({ mode: "rank", remaining: 16, totalCells: 16, model: "flamingo-mini" });
    expect(plan.cells).toHaveLength(5);
    // The real engine scores the plan's prompts, as the worker would.
    const engine = (await getServerModel("flamingo-mini")).engine;
    const run = async (cells: SweepPlan["cells"]) => {
      const scores = await engine.scoreMany(cells.map((c) => c.prompt), cells.map((c) => c.candidates!));
      return cells.map((c, i) => ({ itemId: c.itemId, shots: c.shots, seed: c.seed, selection: c.selection, scores: scores[i]!.map((s) => s.sum), ms: 3 }));
    };
    const first = await run(plan.cells);
    const r1 = (await (await resultsRoute.POST(post(`/api/sweeps/${sweep.id}/results`, { cells: first, stats: { visualCacheHits: 2, visualCacheLookups: 4 } }), params(sweep.id))).json()) as { accepted: number; duplicates: number; sweep: SweepDetail };
    expect(r1).toMatchObject({ accepted: 5, duplicates: 0, sweep: { status: "running", doneCells: 5 } });
    expect(r1.sweep.stats.visualCacheLookups).toBe(4);
    const again = (await (await resultsRoute.POST(post(`/api/sweeps/${sweep.id}/results`, { cells: first }), params(sweep.id))).json()) as { accepted: number; duplicates: number };
    expect(again).toMatchObject({ accepted: 0, duplicates: 5 });
    const rest = ((await (await planRoute.GET(get(`/api/sweeps/${sweep.id}/plan?limit=256`), params(sweep.id))).json()) as { plan: SweepPlan }).plan;
    expect(rest.remaining).toBe(11);
    expect(rest.cells.map(keyOf)).not.toContain(keyOf(first[0]!));
    const r2 = (await (await resultsRoute.POST(post(`/api/sweeps/${sweep.id}/results`, { cells: await run(rest.cells) }), params(sweep.id))).json()) as { sweep: SweepDetail };
    expect(r2.sweep).toMatchObject({ status: "done", doneCells: 16 });
    const stored = await resultsOf(sweep.id);
    expect(new Set(stored.map(keyOf)).size).toBe(16);
    // Wrong shapes are refused with the path.
    const bad = await resultsRoute.POST(post(`/api/sweeps/${sweep.id}/results`, { cells: [{ ...first[0]!, scores: [1] }] }), params(sweep.id));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/one score per candidate/);
    const foreign = await resultsRoute.POST(post(`/api/sweeps/${sweep.id}/results`, { cells: [{ ...first[0]!, shots: 3 }] }), params(sweep.id));
    expect(foreign.status).toBe(400);
  });

  it("cancels: a queued sweep never runs, a running one stops with its finished cells kept", async () => {
    const { sweep: queued } = await createSweep(base());
    const c1 = (await (await cancelRoute.POST(post(`/api/sweeps/${queued.id}/cancel`), params(queued.id))).json()) as { sweep: SweepDetail };
    expect(c1.sweep.status).toBe("cancelled");
    await sweepRunner().drain();
    expect(await resultsOf(queued.id)).toEqual([]);

    // Long enough (10 seeds, generated answers) that it cannot finish between its first stored cell and the cancel.
    const { sweep } = await createSweep({ ...base(), shots: [0, 1, 2, 4, 8], selections: ["random"], seeds: 10, mode: "generate" });
    const draining = sweepRunner().drain();
    for (let i = 0; i < 600 && (await sweepOf(sweep.id)).doneCells === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const res = await cancelRoute.POST(post(`/api/sweeps/${sweep.id}/cancel`), params(sweep.id));
    expect(res.status).toBe(200);
    // The count the cancel answers with is final: a batch in flight is stored before it or not at all.
    const acknowledged = ((await res.json()) as { sweep: SweepDetail }).sweep.doneCells;
    await draining;
    const after = await sweepOf(sweep.id);
    expect(after.status).toBe("cancelled");
    const kept = await resultsOf(sweep.id);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBe(after.doneCells);
    expect(kept.length).toBe(acknowledged);
    const late = await insertSweepResults(sweep.id, (await listSweepResults(done.id)).filter((r) => !kept.some((k) => k.itemId === r.itemId && k.shots === r.shots && k.seed === r.seed)).slice(0, 3).map(({ id: _id, ...r }) => r));
    expect(late).toEqual({ accepted: 0, duplicates: 0, open: false });
    expect(await resultsOf(sweep.id)).toHaveLength(kept.length);
    // Cancelling a finished sweep is a conflict; deleting removes it.
    expect((await cancelRoute.POST(post(`/api/sweeps/${done.id}/cancel`), params(done.id))).status).toBe(409);
    expect((await sweepRoute.DELETE(get(`/api/sweeps/${queued.id}`), params(queued.id))).status).toBe(204);
    expect((await sweepRoute.GET(get(`/api/sweeps/${queued.id}`), params(queued.id))).status).toBe(404);
  });

  it("resumes a sweep a dead process left running, keeping its cells and adding none twice", async () => {
    const { sweep } = await createSweep(base());
    // What a killed process leaves behind: status running, an old heartbeat, an owner that is gone, some cells stored.
    const finished = (await listSweepResults(done.id)).slice(0, 7);
    await insertSweepResults(sweep.id, finished.map(({ id: _id, ...r }) => r));
    const owner = { id: "dead-runner", host: "elsewhere", pid: 1 };
    await db().sweep.update({ where: { id: sweep.id }, data: { status: "running", doneCells: 7, heartbeatAt: new Date(Date.now() - 120_000), startedAt: new Date(Date.now() - 130_000), stats: JSON.stringify({ ...done.stats, wallMs: 5000, owner }) } });
    const before = await listSweepResults(sweep.id);

    // A live runner elsewhere (fresh heartbeat) is left alone.
    const { sweep: live } = await createSweep(base());
    await db().sweep.update({ where: { id: live.id }, data: { status: "running", heartbeatAt: new Date(), stats: JSON.stringify({ ...done.stats, owner }) } });

    await sweepRunner().drain();
    const after = await sweepOf(sweep.id);
    expect(after).toMatchObject({ status: "done", doneCells: 48 });
    expect(after.stats.wallMs).toBeGreaterThan(5000);
    const results = await listSweepResults(sweep.id);
    expect(results).toHaveLength(48);
    expect(new Set(results.map(keyOf)).size).toBe(48);
    for (const r of before) expect(results.find((x) => x.id === r.id)).toEqual(r);
    // Same cells, same demonstrations as the uninterrupted run.
    const reference = new Map((await listSweepResults(done.id)).map((r) => [keyOf(r), r]));
    for (const r of results) expect(r.demoItemIds).toEqual(reference.get(keyOf(r))?.demoItemIds);
    expect((await sweepOf(live.id)).doneCells).toBe(0);
    await sweepRoute.DELETE(get(`/api/sweeps/${live.id}`), params(live.id));
  });

  it("generate mode: exact match and token F1, and an interactive request is served while the sweep runs", async () => {
    const { sweep } = await createSweep({ ...base(), mode: "generate", maxTokens: 8, seeds: 2, selections: ["random"] });
    expect(sweep.totalCells).toBe(32);
    const draining = sweepRunner().drain();
    for (let i = 0; i < 600 && (await sweepOf(sweep.id)).doneCells === 0; i++) await new Promise((r) => setTimeout(r, 20));
    // The runner holds the engine's queue for one short call at a time: a prompt sent now waits for that call only.
    const engine = (await getServerModel("flamingo-mini")).engine;
    const t0 = performance.now();
    const interactive = await engine.generate({ parts: [{ type: "text", text: "Output:" }] }, { maxTokens: 4 });
    const waited = performance.now() - t0;
    const during = await sweepOf(sweep.id);
    expect(interactive.text).toBeTypeOf("string");
    expect(during.status, `served after ${waited.toFixed(0)} ms, before the sweep ended`).toBe("running");
    expect(during.doneCells).toBeLessThan(32);
    await draining;
    const finished = await sweepOf(sweep.id);
    expect(finished).toMatchObject({ status: "done", doneCells: 32 });
    const results = await resultsOf(sweep.id);
    for (const r of results) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
      if (r.correct) expect(r.score).toBe(1);
    }
    const curve = ((await (await curveRoute.GET(get(`/api/sweeps/${sweep.id}/curve`), params(sweep.id))).json()) as { curve: SweepCurvePoint[] }).curve;
    expect(curve.map((p) => p.shots)).toEqual([0, 1, 2, 4]);
    for (const p of curve) expect(p.f1).toBeTypeOf("number");
  });

  it("refuses bad input with actionable 4xx messages", async () => {
    const bad = async (body: Record<string, unknown>, status: number, message: RegExp) => {
      const r = await createSweep(body);
      expect(r.status).toBe(status);
      expect(r.error?.message).toMatch(message);
    };
    await bad({ ...base(), templateId: "nope" }, 404, /Template "nope" was not found/);
    await bad({ ...base(), datasetId: "nope" }, 404, /Dataset "nope" was not found/);
    await bad({ ...base(), templateVersion: 9 }, 404, /no version 9/);
    await bad({ ...base(), shots: [0, 16] }, 400, /pool has only 8 items/);
    await bad({ ...base(), shots: [-1] }, 400, /shots\.0: shot counts start at 0/);
    await bad({ ...base(), shots: [] }, 400, /at least one shot count/);
    await bad({ ...base(), selections: ["nearest"] }, 400, /selections/);
    await bad({ ...base(), seeds: 0 }, 400, /at least 1 seed/);
    await bad({ ...base(), colour: "red" }, 400, /colour/);
    await bad({ ...base(), templateId: twoImageTemplateId }, 400, /query has 2 images/);
    await bad({ ...base(), datasetId: vqaDatasetId }, 400, /have questions, but the template's query has no \{\{question\}\}/);
    // A pool with one "blicket": balanced 4-shot needs two.
    const items = (await (await import("@/lib/store")).getDatasetItems(datasetId)).filter((i) => i.split === "eval" || i.answer === "dax" || i.position === 6);
    const library = await ensureDefaultLibrary();
    const skewed = await createDataset({ libraryId: library.id, name: "Skewed", task: "classification", items: items.map(({ assetId, question, answer, candidates, split }) => ({ assetId, question, answer, candidates, split })), assets: [] });
    await bad({ ...base(), datasetId: skewed.id, shots: [4], selections: ["balanced"] }, 400, /Balanced selection of 4 demonstrations needs about 2 of "blicket", but only 1 are available/);
    const raw = await sweepsRoute.POST(new Request(`${BASE}/api/sweeps`, { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" }));
    expect(raw.status).toBe(400);
    expect((await sweepRoute.GET(get("/api/sweeps/x"), params("not an id!"))).status).toBe(400);
    expect((await planRoute.GET(get(`/api/sweeps/${done.id}/plan`), params(done.id))).status).toBe(409);
  });
});
