/** Golden vectors of a model package (docs/model-format.md §7) and checks any engine must pass. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { AppError } from "@/lib/errors";
import type { PromptPart, PromptSequence } from "@/lib/prompt/sequence";
import type { FlamingoEngine } from "@/lib/runtime/engine";
import { logSoftmax } from "@/lib/runtime/sampling";

export const MODEL_ID = "flamingo-mini";
export const MODELS_DIR = process.env.FLAMINGO_MODELS_DIR ?? path.join(process.cwd(), "public", "models");
export const PKG = path.join(MODELS_DIR, MODEL_ID);

export interface GoldenPrompt {
  name: string;
  text: string;
  images: string[];
  input_ids: number[];
  image_index: number[];
  pixels_mean_per_image: number[];
  visual_tokens: { first_16_of_each_image: number[][]; sum_per_image: number[]; abs_sum_per_image: number[] };
  first_position_logits: { first_32: number[]; argmax: number; top5: number[]; top5_logits: number[]; logsumexp: number };
  greedy_ids: number[];
}
export interface Golden {
  tolerance: { visual_tokens: number; logits: number };
  prompts: GoldenPrompt[];
}

/** The package's golden vectors and its images as an in-memory asset source (id = SHA-256). */
export function loadGolden() {
  if (!existsSync(path.join(PKG, "manifest.json"))) {
    throw new Error(`The model package is missing: ${PKG}/manifest.json (it ships in the repository; set FLAMINGO_MODELS_DIR to test another copy)`);
  }
  const golden = JSON.parse(readFileSync(path.join(PKG, "golden.json"), "utf8")) as Golden;
  const images = new Map<string, Uint8Array>();
  const byFile = new Map<string, string>();
  const add = (bytes: Uint8Array) => {
    const id = createHash("sha256").update(bytes).digest("hex");
    images.set(id, bytes);
    return id;
  };
  for (const p of golden.prompts) for (const f of p.images) byFile.set(f, add(new Uint8Array(readFileSync(path.join(PKG, f)))));
  const imageSource = async (id: string) => {
    const b = images.get(id);
    if (!b) throw new AppError("not_found", `Image "${id}" was not found`);
    return b;
  };
  /** A golden prompt string -> PromptSequence (the markers become parts). */
  const toSequence = (text: string, files: string[]): PromptSequence => {
    const parts: PromptPart[] = [];
    let k = 0;
    for (const piece of text.split(/(<image>|<\|endofchunk\|>)/)) {
      if (piece === "<image>") parts.push({ type: "image", assetId: byFile.get(files[k++] as string) as string });
      else if (piece === "<|endofchunk|>") parts.push({ type: "endOfChunk" });
      else if (piece !== "") parts.push({ type: "text", text: piece });
    }
    return { parts };
  };
  return { golden, images, byFile, imageSource, addImage: add, toSequence };
}

export const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};

/**
 * Every golden check through the engine's public API: ids exactly, visual tokens and first
 * logits within tolerance, greedy continuation exactly. Returns the max abs differences.
 */
export async function checkGoldenParity(engine: FlamingoEngine, g: ReturnType<typeof loadGolden>): Promise<{ visualTokens: number; logits: number }> {
  let vis = 0;
  let lg = 0;
  for (const p of g.golden.prompts) {
    const seq = g.toSequence(p.text, p.images);
    const inputs = engine.encodePrompt(seq);
    expect(inputs.inputIds, p.name).toEqual(p.input_ids);
    expect(inputs.imageIndex, p.name).toEqual(p.image_index);
    if (p.images.length > 0) {
      const vt = await engine.encodeImages(inputs.mediaLocations);
      vt.forEach((v, i) => (vis = Math.max(vis, maxAbs(v.slice(0, 16), p.visual_tokens.first_16_of_each_image[i] as number[]))));
    }
    const logits = await engine.nextTokenLogits(seq);
    const fl = p.first_position_logits;
    lg = Math.max(lg, maxAbs(logits.slice(0, 32), fl.first_32));
    const top5 = [...logits.keys()].sort((a, b) => (logits[b] as number) - (logits[a] as number)).slice(0, 5);
    expect(top5, p.name).toEqual(fl.top5);
    lg = Math.max(lg, maxAbs(top5.map((i) => logits[i] as number), fl.top5_logits));
    lg = Math.max(lg, Math.abs((logits[0] as number) - (logSoftmax(logits)[0] as number) - fl.logsumexp));
    const res = await engine.generate(seq, { maxTokens: 12 });
    expect(res.tokenIds, p.name).toEqual(p.greedy_ids.filter((id) => id !== engine.tokenizer.stopId));
  }
  expect(vis).toBeLessThanOrEqual(g.golden.tolerance.visual_tokens);
  expect(lg).toBeLessThanOrEqual(g.golden.tolerance.logits);
  return { visualTokens: vis, logits: lg };
}
