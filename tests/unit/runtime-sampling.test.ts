import { describe, expect, it } from "vitest";
import { argmax, logSoftmax, sampleToken, seededRandom, topK } from "@/lib/runtime/sampling";
import { findStop, safePrefixLength } from "@/lib/runtime/stop";

describe("runtime sampling", () => {
  it("argmax, topK and log-softmax", () => {
    const x = [0.1, 3, -1, 2.5, 3.5];
    expect(argmax(x)).toBe(4);
    expect(topK(x, 3)).toEqual([4, 1, 3]);
    const lp = logSoftmax(x);
    expect(Array.from(lp).reduce((a, b) => a + Math.exp(b), 0)).toBeCloseTo(1, 12);
    expect(lp[4]! - lp[1]!).toBeCloseTo(0.5, 12);
  });

  it("is greedy at temperature 0 and with a tiny top-p", () => {
    const x = [0.1, 3, -1, 2.5, 3.5];
    const r = seededRandom(1);
    expect(sampleToken(x, 0, 1, r)).toBe(4);
    for (let i = 0; i < 20; i++) expect(sampleToken(x, 1, 1e-9, r)).toBe(4);
  });

  it("reproduces a draw from its seed and follows the distribution", () => {
    const x = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const draw = (seed: number) => {
      const r = seededRandom(seed);
      return Array.from({ length: 4000 }, () => sampleToken(x, 1, 1, r));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    const counts = [0, 0, 0];
    for (const t of draw(3)) counts[t]!++;
    expect(counts[0]! / 4000).toBeCloseTo(0.5, 1);
    expect(counts[2]! / 4000).toBeCloseTo(0.2, 1);
    // top-p 0.6 keeps only the two most likely tokens
    const r = seededRandom(5);
    for (let i = 0; i < 500; i++) expect(sampleToken(x, 1, 0.6, r)).not.toBe(2);
  });
});

describe("runtime stop strings", () => {
  it("finds the earliest stop string", () => {
    expect(findStop("abc\nQ: x", ["Q:", "\n"])).toEqual({ index: 3, stop: "\n" });
    expect(findStop("abc", ["x", ""])).toBeNull();
  });

  it("holds back a tail that may become a stop string or an incomplete character", () => {
    expect(safePrefixLength("hello Ou", ["Output:"])).toBe(6);
    expect(safePrefixLength("hello", ["Output:"])).toBe(5);
    expect(safePrefixLength("ab\uFFFD", [])).toBe(2);
  });
});
