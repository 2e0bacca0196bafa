/**
 * The tiny SmolVLM and Qwen2-VL fixtures (training/tiny_smolvlm.py, training/tiny_qwen2vl.py) and their PyTorch
 * golden vectors (one schema), as prompts the transformers.js engine takes. Shared by the Node and Chromium tests.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { PromptPart, PromptSequence } from "@/lib/prompt/sequence";

export const TINY_SMOLVLM = path.resolve(import.meta.dirname, "../fixtures/tiny-smolvlm");
export const TINY_QWEN2VL = path.resolve(import.meta.dirname, "../fixtures/tiny-qwen2vl");

export interface GoldenCase {
  name: string;
  images: string[];
  text: string;
  inputIds: number[];
  greedy: { tokenIds: number[]; stepLogits: number[][] };
  candidates: { continuation: string; tokenIds: number[]; tokenLogProbs: number[]; sum: number }[];
}
export interface TinyGolden {
  eosTokenId: number;
  cases: GoldenCase[];
}

export const loadTinyGolden = (fixture = TINY_SMOLVLM): TinyGolden => JSON.parse(readFileSync(path.join(fixture, "golden.json"), "utf8")) as TinyGolden;

/** Image bytes by asset id: the fixture's file names stand for asset ids. */
export const fixtureImageIn =
  (fixture: string) =>
  async (id: string): Promise<Uint8Array> =>
    new Uint8Array(readFileSync(path.join(fixture, "images", id)));
export const fixtureImage = fixtureImageIn(TINY_SMOLVLM);

const img = (assetId: string): PromptPart => ({ type: "image", assetId });
const txt = (text: string): PromptPart => ({ type: "text", text });
const ans = (text: string): PromptPart => ({ type: "text", text, answer: true });
const eoc: PromptPart = { type: "endOfChunk" };

/** The PromptSequence (and prompt style) each golden case was rendered from; candidates are "dax" and "blicket". */
export function caseSequence(c: GoldenCase): { prompt: PromptSequence; style: "turns" | "interleaved" } {
  const [a, b, q] = c.images;
  if (c.name === "two_shot_turns")
    return { style: "turns", prompt: { parts: [img(a!), txt("Output:"), ans("dax"), eoc, txt("\n"), img(b!), txt("Output:"), ans("blicket"), eoc, txt("\n"), img(q!), txt("Output:")] } };
  if (c.name === "interleaved")
    return { style: "interleaved", prompt: { parts: [img(a!), txt("Output:"), ans(" dax"), eoc, txt("\n"), img(b!), txt("Output:"), ans(" blicket"), eoc, txt("\n"), img(q!), txt("Output:")] } };
  if (c.name === "text_only") return { style: "turns", prompt: { parts: [txt("Say dax.")] } };
  throw new Error(`unknown golden case ${c.name}`);
}

export const CANDIDATES = ["dax", "blicket"];

/** Image bytes and their asset ids (SHA-256, as the app names assets) for the fixture's images. */
export function fixtureAssets(fixture = TINY_SMOLVLM): { idOf: Map<string, string>; bytesOf: Map<string, Uint8Array> } {
  const idOf = new Map<string, string>();
  const bytesOf = new Map<string, Uint8Array>();
  for (const name of ["red-square.png", "blue-circle.png", "green-stripes.png"]) {
    const bytes = new Uint8Array(readFileSync(path.join(fixture, "images", name)));
    const id = createHash("sha256").update(bytes).digest("hex");
    idOf.set(name, id);
    bytesOf.set(id, bytes);
  }
  return { idOf, bytesOf };
}

/** A prompt with file names replaced by asset ids. */
export const withAssetIds = (prompt: PromptSequence, idOf: Map<string, string>): PromptSequence => ({
  parts: prompt.parts.map((p) => (p.type === "image" ? { type: "image", assetId: idOf.get(p.assetId) ?? p.assetId } : p)),
});
