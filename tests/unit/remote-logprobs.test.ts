import { describe, expect, it } from "vitest";
import { candidateFromPromptLogprobs, generateMatchMaxTokens, matchFirstTokens, matchGenerated } from "@/lib/backends/remote/logprobs";

/** vLLM's prompt_logprobs shape: null first, then {"<id>": {logprob, rank, decoded_token}}. */
const pl = (...toks: [string, number][]) => [null, ...toks.map(([t, lp], i) => ({ [String(100 + i)]: { logprob: lp, rank: 1, decoded_token: t } }))];

describe("candidateFromPromptLogprobs", () => {
  it("sums the trailing tokens that spell the candidate", () => {
    const r = candidateFromPromptLogprobs(pl(["Output", -1], [":", -0.5], ["bl", -2], ["icket", -0.25]), "blicket");
    expect(r).toEqual({ ok: true, tokens: ["bl", "icket"], tokenLogProbs: [-2, -0.25], sum: -2.25 });
  });

  it("trims whitespace, counts a token straddling the boundary, treats -9999 as -inf", () => {
    expect(candidateFromPromptLogprobs(pl(["Output", -1], [":", -0.5], [" dax", -3]), " dax")).toMatchObject({ ok: true, sum: -3 });
    expect(candidateFromPromptLogprobs(pl(["Output", -1], [":d", -0.5], ["ax", -3]), "dax")).toMatchObject({ ok: true, tokens: [":d", "ax"], sum: -3.5 });
    expect(candidateFromPromptLogprobs(pl(["a", -1], ["b", -9999]), "b")).toMatchObject({ ok: true, sum: -Infinity });
  });

  it("skips an end-of-turn marker or newline after the candidate", () => {
    expect(candidateFromPromptLogprobs(pl(["Q", -1], ["yes", -0.2], ["<|im_end|>", -0.1], ["\n", -0.1]), "yes")).toMatchObject({ ok: true, tokens: ["yes"], sum: -0.2 });
  });

  it("refuses what does not line up or is missing", () => {
    expect(candidateFromPromptLogprobs(undefined, "x")).toEqual({ ok: false, reason: "the engine returned no prompt log-probabilities" });
    expect(candidateFromPromptLogprobs(pl(["Output", -1], ["cat", -1]), "dog").ok).toBe(false);
    expect(candidateFromPromptLogprobs(pl(["og", -1]), "dog")).toEqual({ ok: false, reason: "the prompt log-probabilities do not cover the candidate" });
  });
});

describe("matchFirstTokens", () => {
  const top = [
    { token: " yes", logprob: -0.1 },
    { token: " no", logprob: -2.5 },
    { token: "Y", logprob: -4 },
    { token: " ca", logprob: -3 },
  ];
  it("matches the longest trimmed prefix; unmatched get -inf", () => {
    const m = matchFirstTokens(top, ["yes", " no", "maybe"]);
    expect(m).toEqual({ ok: true, logprobs: [-0.1, -2.5, -Infinity], matched: ["yes", "no", null] });
  });
  it("falls through when candidates share a first token or none match", () => {
    expect(matchFirstTokens(top, ["cat", "car"])).toMatchObject({ ok: false, reason: expect.stringContaining('share the first token "ca"') });
    expect(matchFirstTokens(top, ["zebra"]).ok).toBe(false);
    expect(matchFirstTokens([], ["a"]).ok).toBe(false);
  });
});

describe("matchGenerated", () => {
  it("equal (case-insensitive, trimmed), else the longest prefix, else null", () => {
    expect(matchGenerated(" Dax\n", ["blicket", "dax"])).toBe(1);
    expect(matchGenerated("blicket zup!", ["blicket", "blicket zup", "dax"])).toBe(1);
    expect(matchGenerated("wug", ["blicket", "dax"])).toBeNull();
    expect(matchGenerated("  ", ["a"])).toBeNull();
  });
  it("asks for enough tokens for the longest candidate", () => {
    expect(generateMatchMaxTokens(["a", "b"])).toBe(16);
    expect(generateMatchMaxTokens(["x".repeat(100)])).toBe(54);
  });
});
