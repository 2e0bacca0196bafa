/** Log-prob helpers over one logits row, and prefix-cache entries that carry per-position log-probs. */
import { describe, expect, it } from "vitest";
import { KvCache } from "@/lib/runtime/kv-cache";
import { rankOf, rowLogProbs, topIndices } from "@/lib/runtime/logprobs";
import { PrefixCache } from "@/lib/runtime/prefix-cache";
import { logSoftmax } from "@/lib/runtime/sampling";
import { fakeOrt } from "./runtime-fake-ort";

describe("topIndices / rankOf / rowLogProbs", () => {
  it("picks the k largest, largest first, lower index first on ties", () => {
    const row = [0.5, 3, -1, 3, 2, 7, 2];
    expect(topIndices(row, 3)).toEqual([5, 1, 3]);
    expect(topIndices(row, 5)).toEqual([5, 1, 3, 4, 6]);
    expect(topIndices(row, 0)).toEqual([]);
    expect(topIndices(row, 50)).toHaveLength(row.length);
    const big = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const sorted = [...big.keys()].sort((a, b) => big[b]! - big[a]! || a - b);
    expect(topIndices(big, 20)).toEqual(sorted.slice(0, 20));
  });

  it("ranks a token as 1 + the number of strictly more likely tokens", () => {
    const row = [0.5, 3, -1, 3, 2, 7, 2];
    expect(rankOf(row, 5)).toBe(1);
    expect(rankOf(row, 1)).toBe(2);
    expect(rankOf(row, 3)).toBe(2);
    expect(rankOf(row, 2)).toBe(7);
  });

  it("gives natural-log probabilities of the row", () => {
    const row = Float32Array.from([0.5, 3, -1, 3, 2, 7, 2]);
    const lp = logSoftmax(row);
    const r = rowLogProbs(row, 4, 2);
    expect(r.logprob).toBeCloseTo(lp[4]!, 12);
    expect(r.rank).toBe(4);
    expect(r.topIds).toEqual([5, 1]);
    expect(r.topLogprobs[0]).toBeCloseTo(lp[5]!, 12);
    expect(rowLogProbs(row, 4, 0, false)).toMatchObject({ rank: 0, topIds: [] });
  });
});

describe("prefix cache with log-probs", () => {
  const kv = () => KvCache.empty(fakeOrt, { nLayers: 1, nHeads: 1, headDim: 2 }, 1);
  const at = (n: number) => [null, ...Array.from({ length: n - 1 }, () => ({ logprob: -1, rank: 1, topIds: [], topLogprobs: [] }))];

  it("adds log-probs to an equal entry stored without them, and lookups can ask for them", () => {
    const c = new PrefixCache(4);
    c.store([1, 2, 3], ["x"], kv(), new Float32Array(1));
    c.store([1, 2], ["x"], kv(), new Float32Array(1), { k: 20, at: at(2) });
    const wants = (k: number) => (e: { logProbs?: { k: number } }) => (e.logProbs?.k ?? -1) >= k;
    expect(c.lookup([1, 2, 3, 4], ["x"])?.ids).toEqual([1, 2, 3]);
    expect(c.lookup([1, 2, 3, 4], ["x"], wants(20))?.ids).toEqual([1, 2]);
    c.store([1, 2, 3], ["x"], kv(), new Float32Array(1), { k: 20, at: at(3) });
    expect(c.lookup([1, 2, 3, 4], ["x"], wants(20))?.ids).toEqual([1, 2, 3]);
    expect(c.lookup([1, 2, 3, 4], ["x"], wants(21))).toBeUndefined();
    expect(c.stats().entries).toBe(2);
  });

  it("never mixes entries whose images differ", () => {
    const c = new PrefixCache(4);
    c.store([1, 2], ["x"], kv(), new Float32Array(1));
    c.store([1, 2], ["y"], kv(), new Float32Array(1), { k: 20, at: at(2) });
    expect(c.stats().entries).toBe(2);
    expect(c.lookup([1, 2], ["x"], (e) => e.logProbs !== undefined)).toBeUndefined();
    expect(c.lookup([1, 2], ["y"], (e) => e.logProbs !== undefined)?.media).toEqual(["y"]);
  });
});
