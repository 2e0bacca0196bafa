/**
 * Issue 15 (what a stranger can send), the pure parts: token-limit messages, the model's context
 * from its package, the tokenizer on hostile text (no RangeError, fast, a valid lower bound), the
 * queue's Retry-After estimate and AppError's `retryAfter`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AppError, retryAfterHeaders } from "@/lib/errors";
import { parseManifest } from "@/lib/runtime/manifest";
import { QueueFullError, SessionQueue } from "@/lib/runtime/queue";
import { checkPromptTokens, modelContextTokens, promptTokenLimit } from "@/lib/runtime/token-limit";
import { FlamingoTokenizer, utf8Length } from "@/lib/runtime/tokenizer";

const PKG = path.join(process.cwd(), "public/models/flamingo-mini");
const manifestJson = JSON.parse(readFileSync(path.join(PKG, "manifest.json"), "utf8")) as Record<string, unknown>;
const manifest = parseManifest(manifestJson);
const tokenizerJson = JSON.parse(readFileSync(path.join(PKG, "tokenizer.json"), "utf8")) as unknown;
const tokenizerConfig = JSON.parse(readFileSync(path.join(PKG, "tokenizer_config.json"), "utf8")) as unknown;
const tok = new FlamingoTokenizer(tokenizerJson, tokenizerConfig, manifest);

const refusal = (f: () => void): AppError => {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
};

describe("token limits", () => {
  it("reads the model's context from the manifest, else tokenizer_config.json (flamingo-mini: 512)", () => {
    expect(modelContextTokens(manifest, tokenizerConfig)).toBe(512);
    const withMax = parseManifest({ ...manifestJson, architecture: { ...(manifestJson.architecture as object), language_model: { n_layers: 4, n_heads: 4, head_dim: 32, vocab_size: 1459, max_position_embeddings: 1024 } } });
    expect(modelContextTokens(withMax, tokenizerConfig)).toBe(1024);
    // HF's "no limit" (1e30) and absent configs say nothing.
    expect(modelContextTokens(manifest, { model_max_length: 1e30 })).toBeUndefined();
    expect(modelContextTokens(manifest, {})).toBeUndefined();
  });

  it("refuses past the context with the count and the limit, exactly", () => {
    const limits = { context: 1024, maxPromptTokens: 4096, capName: "FLAMINGO_MAX_PROMPT_TOKENS" };
    const gen = refusal(() => checkPromptTokens(9214, limits, { kind: "generate", maxTokens: 256 }));
    expect(gen.status).toBe(413);
    expect(gen.message).toBe("The prompt is 9,214 tokens; this model reads at most 1,024 (prompt + max tokens), so with max tokens 256 the prompt may have at most 768");
    expect(refusal(() => checkPromptTokens(1000, limits, { kind: "score", candidateTokens: 30 })).message).toBe(
      "The prompt is 1,000 tokens and its longest candidate 30; this model reads at most 1,024 (prompt + candidate)",
    );
    expect(refusal(() => checkPromptTokens(2000, limits, { kind: "prompt" })).message).toBe("The prompt is 2,000 tokens; this model reads at most 1,024");
    expect(refusal(() => checkPromptTokens(13715, limits, { kind: "generate", maxTokens: 20 }, true)).message).toBe(
      "The prompt is at least 13,715 tokens; this model reads at most 1,024 (prompt + max tokens), so with max tokens 20 the prompt may have at most 1,004",
    );
    // Exactly at the limit is fine.
    expect(() => checkPromptTokens(768, limits, { kind: "generate", maxTokens: 256 })).not.toThrow();
  });

  it("refuses past the deployment cap naming it, and max tokens that fill the context with a 400", () => {
    const limits = { context: 8192, maxPromptTokens: 2048, capName: "FLAMINGO_MAX_PROMPT_TOKENS" };
    const cap = refusal(() => checkPromptTokens(3000, limits, { kind: "generate", maxTokens: 20 }));
    expect(cap.status).toBe(413);
    expect(cap.message).toBe("The prompt is 3,000 tokens; this server accepts at most 2,048 prompt tokens (FLAMINGO_MAX_PROMPT_TOKENS)");
    expect(promptTokenLimit({ maxPromptTokens: 100 }, { kind: "prompt" })).toEqual({ limit: 100, by: "cap" });
    expect(promptTokenLimit({}, { kind: "prompt" })).toBeUndefined();
    const full = refusal(() => checkPromptTokens(1, { context: 512 }, { kind: "generate", maxTokens: 512 }));
    expect(full.status).toBe(400);
    expect(full.message).toBe("max tokens 512 leaves no room for a prompt: this model reads at most 512 tokens (prompt + max tokens)");
  });
});

describe("tokenizer on hostile text", () => {
  const hostile: [string, string][] = [
    ["64,000 '€'", "€".repeat(64_000)],
    ["32,000 emoji", "😀".repeat(32_000)],
    ["64,000 'a'", "a".repeat(64_000)],
    ["12,000 'a'", "a".repeat(12_000)],
  ];

  it.each(hostile)("tokenizes %s without a RangeError, in well under a second", (_name, text) => {
    const t0 = performance.now();
    const ids = tok.encodePrompt({ parts: [{ type: "text", text }] }).inputIds;
    expect(performance.now() - t0).toBeLessThan(1500); // ~200 ms alone; shared CI cores
    expect(ids.length).toBeGreaterThan(0);
    expect(tok.decode(ids)).toBe(text);
  });

  it("gives ids a 64,000-'€' prompt too, and a lower bound that refuses it before tokenizing", () => {
    const parts = [{ type: "text" as const, text: "€".repeat(64_000) }];
    expect(tok.encodePrompt({ parts }).inputIds).toHaveLength(192_000);
    const least = tok.promptTokensAtLeast({ parts });
    expect(least).toBeGreaterThan(512);
    expect(least).toBeLessThanOrEqual(192_000);
  });

  it("never bounds above the real count", () => {
    const texts = ["Output:dax", "<image> typed by a user", " ".repeat(300), "the".repeat(500), "Ünïcödé ✓ 😀😀 \n\t x", "€".repeat(1000), "<|endofchunk|><pad>"];
    for (const text of texts) {
      const seq = { parts: [{ type: "image" as const, assetId: "a".repeat(64) }, { type: "text" as const, text }, { type: "endOfChunk" as const }] };
      expect(tok.promptTokensAtLeast(seq)).toBeLessThanOrEqual(tok.encodePrompt(seq).inputIds.length);
      expect(tok.promptTokensAtLeast(seq)).toBeGreaterThanOrEqual(2);
    }
    expect(tok.maxTokenBytes).toBeGreaterThan(0);
    expect(utf8Length("a€😀")).toBe(Buffer.byteLength("a€😀"));
    expect(utf8Length("\ud800x")).toBe(4); // a lone surrogate is U+FFFD
  });
});

describe("full queue", () => {
  it("says when to retry (Retry-After seconds, 1 to 60)", async () => {
    const q = new SessionQueue(1);
    const slow = () => new Promise<string>((r) => setTimeout(() => r("ok"), 20));
    const a = q.run(slow);
    const b = q.run(slow);
    const refused = await q.run(slow).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QueueFullError);
    const seconds = (refused as QueueFullError).retryAfterSeconds;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    await Promise.all([a, b]);
    expect(q.retryAfterSeconds()).toBe(1);
  });

  it("carries retryAfter on AppError as a Retry-After header", () => {
    const e = new AppError("too_many_requests", "busy", { retryAfter: 2.2 });
    expect(e.retryAfter).toBe(3);
    expect(retryAfterHeaders(e)).toEqual({ "retry-after": "3" });
    expect(retryAfterHeaders(new AppError("bad_request", "x"))).toEqual({});
    expect(retryAfterHeaders(new Error("x"))).toEqual({});
  });
});
