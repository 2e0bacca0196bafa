import { describe, expect, it } from "vitest";
import { counterDelta, runBrowserSweep, type BrowserSweepDeps } from "@/lib/sweeps/client/browser-sweep";
import type { SweepCellPost, SweepDetail, SweepPlan, SweepPlanCell, SweepResultsPost } from "@/lib/sweeps/types";

/**
 * The browser sweep loop against an in-memory record with the plan/results semantics of the API
 * (plan = unfinished cells in order; a posted cell is stored once), so resumption is observable.
 */
function record(cells: SweepPlanCell[], mode: SweepPlan["mode"] = "rank") {
  const stored = new Map<string, SweepCellPost>();
  const posts: SweepResultsPost[] = [];
  const key = (c: { itemId: string; shots: number; seed: number; selection: string }) => `${c.itemId}|${c.shots}|${c.seed}|${c.selection}`;
  const detail = () => ({ id: "s", doneCells: stored.size, totalCells: cells.length, status: stored.size === cells.length ? "done" : "running" }) as SweepDetail;
  let clock = 0;
  const deps = (over: Partial<BrowserSweepDeps> = {}): BrowserSweepDeps => ({
    fetchPlan: async (limit) => {
      const open = cells.filter((c) => !stored.has(key(c)));
      return { sweepId: "s", mode, model: "m", maxTokens: 4, remaining: open.length, totalCells: cells.length, cells: open.slice(0, limit) };
    },
    post: async (body) => {
      posts.push(body);
      for (const c of body.cells) if (!stored.has(key(c))) stored.set(key(c), c);
      return { sweep: detail() };
    },
    score: async (_p, candidates) => candidates.map((_, i) => -1 - i),
    generate: async () => "dax",
    now: () => (clock += 10),
    ...over,
  });
  return { stored, posts, deps };
}

const cell = (itemId: string, shots: number): SweepPlanCell => ({ itemId, shots, seed: 0, selection: "random", demoItemIds: [], prompt: { parts: [{ type: "text", text: "Output:" }] }, candidates: ["dax", "blicket"] });
const cells = Array.from({ length: 10 }, (_, i) => cell(`i${i % 5}`, i < 5 ? 0 : 2));

describe("browser sweep loop", () => {
  it("runs every cell once, posting in batches with the scores in candidate order and the model time", async () => {
    const r = record(cells);
    const sweeps: SweepDetail[] = [];
    const out = await runBrowserSweep(r.deps(), { signal: new AbortController().signal, planSize: 4, batchSize: 3, onSweep: (s) => sweeps.push(s) });
    expect(out).toEqual({ posted: 10, reason: "finished" });
    expect(r.stored.size).toBe(10);
    expect(r.posts.every((p) => p.cells.length <= 3)).toBe(true);
    expect(r.stored.get("i0|0|0|random")?.scores).toEqual([-1, -2]);
    expect(r.posts.reduce((s, p) => s + (p.stats?.modelMs ?? 0), 0)).toBe(100);
    expect(sweeps.at(-1)?.status).toBe("done");
  });

  it("generate mode posts the text", async () => {
    const r = record(cells.slice(0, 2), "generate");
    await runBrowserSweep(r.deps(), { signal: new AbortController().signal });
    expect([...r.stored.values()].map((c) => c.output)).toEqual(["dax", "dax"]);
  });

  it("an abort keeps the finished cells; a second run resumes from the record without repeating one", async () => {
    const r = record(cells);
    const ac = new AbortController();
    let n = 0;
    const first = await runBrowserSweep(
      r.deps({
        score: async (_p, c) => {
          if (++n === 4) ac.abort();
          return c.map(() => -1);
        },
      }),
      { signal: ac.signal, batchSize: 100, flushMs: 1e9 },
    );
    expect(first.reason).toBe("aborted");
    expect(r.stored.size).toBe(4);
    const second = await runBrowserSweep(r.deps(), { signal: new AbortController().signal });
    expect(second).toEqual({ posted: 6, reason: "finished" });
    const all = r.posts.flatMap((p) => p.cells.map((c) => `${c.itemId}|${c.shots}`));
    expect(new Set(all).size).toBe(all.length);
  });

  it("a failing cell posts what finished before it, then throws", async () => {
    const r = record(cells);
    let n = 0;
    const failing = r.deps({
      score: async (_p, c) => {
        if (++n === 3) throw new Error("bad image");
        return c.map(() => -1);
      },
    });
    await expect(runBrowserSweep(failing, { signal: new AbortController().signal, batchSize: 100, flushMs: 1e9 })).rejects.toThrow("bad image");
    expect(r.stored.size).toBe(2);
  });

  it("reports cache counters as deltas between posts", async () => {
    const r = record(cells.slice(0, 4));
    let hits = 0;
    const out = await runBrowserSweep(
      r.deps({
        cacheCounters: async () => {
          hits += 5;
          return { visualCacheHits: hits, visualCacheLookups: hits * 2, prefixCacheHits: 0, prefixCacheLookups: 0 };
        },
      }),
      { signal: new AbortController().signal, batchSize: 2 },
    );
    expect(out.posted).toBe(4);
    expect(r.posts.map((p) => p.stats?.visualCacheHits)).toEqual([5, 5]);
    expect(counterDelta({ visualCacheHits: 9, visualCacheLookups: 9, prefixCacheHits: 1, prefixCacheLookups: 1 }, { visualCacheHits: 2, visualCacheLookups: 3, prefixCacheHits: 4, prefixCacheLookups: 5 })).toEqual({
      visualCacheHits: 2,
      visualCacheLookups: 3,
      prefixCacheHits: 3,
      prefixCacheLookups: 4,
    });
  });
});
