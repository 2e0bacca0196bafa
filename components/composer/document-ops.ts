/**
 * Pure, immutable edits of a template document, as the composer makes them.
 *
 * They work on the document as written (`TemplateInput`: defaults not filled
 * in), so an edit touches only what it changes and the JSON source stays as
 * tidy as the user left it. Every function returns a new document (or the same
 * one when there is nothing to do) and never mutates its input.
 */
import type { Block, ImageSource, Shot, TemplateInput, Variable } from "@/lib/prompt/schema";
import { MAX_BLOCKS_PER_CHUNK, MAX_SHOTS } from "@/lib/prompt/schema";
import { variablesInText } from "@/lib/prompt/variables";

export type Doc = TemplateInput;

/** A run of blocks: the preamble, one shot, or the query. */
export type ChunkRef = { kind: "preamble" } | { kind: "shot"; index: number } | { kind: "query" };

export const PREAMBLE: ChunkRef = { kind: "preamble" };
export const QUERY: ChunkRef = { kind: "query" };
export const shotRef = (index: number): ChunkRef => ({ kind: "shot", index });

export function sameChunk(a: ChunkRef, b: ChunkRef): boolean {
  return a.kind === b.kind && (a.kind !== "shot" || a.index === (b as { index: number }).index);
}

export function blocksOf(doc: Doc, chunk: ChunkRef): Block[] {
  if (chunk.kind === "preamble") return doc.preamble ?? [];
  if (chunk.kind === "query") return doc.query.blocks;
  return doc.shots?.[chunk.index]?.blocks ?? [];
}

/** The fewest blocks a chunk may have (the schema wants at least one in shots and the query). */
export const minBlocks = (chunk: ChunkRef): number => (chunk.kind === "preamble" ? 0 : 1);

function withBlocks(doc: Doc, chunk: ChunkRef, blocks: Block[]): Doc {
  if (chunk.kind === "preamble") return { ...doc, preamble: blocks };
  if (chunk.kind === "query") return { ...doc, query: { ...doc.query, blocks } };
  const shots = doc.shots ?? [];
  if (!shots[chunk.index]) return doc;
  return { ...doc, shots: shots.map((s, i) => (i === chunk.index ? { ...s, blocks } : s)) };
}

export function arrayMove<T>(list: readonly T[], from: number, to: number): T[] {
  const out = [...list];
  if (from < 0 || from >= out.length || to < 0 || to >= out.length || from === to) return out;
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item!);
  return out;
}

// ---------------------------------------------------------------- ids

/** Every id used by a block or shot in the document. */
export function idsIn(doc: Doc): Set<string> {
  const ids = new Set<string>();
  const visit = (blocks: readonly Block[]) => blocks.forEach((b) => b.id && ids.add(b.id));
  visit(doc.preamble ?? []);
  for (const s of doc.shots ?? []) {
    if (s.id) ids.add(s.id);
    visit(s.blocks);
  }
  visit(doc.query.blocks);
  return ids;
}

/** A short id not in `taken` ("b-k3x9q"), added to `taken`. */
export function freshId(prefix: string, taken: Set<string>, random: () => number = Math.random): string {
  for (;;) {
    const id = `${prefix}-${Math.floor(random() * 36 ** 5)
      .toString(36)
      .padStart(5, "0")}`;
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

/** `id` first, so it reads as a label in the JSON. */
const withId = <T extends { id?: string }>(item: T, id: string): T => Object.assign({ id }, item, { id });

/**
 * Give every shot and block without an id a short unique one (stable keys for
 * drag and drop). Returns the same document when nothing was missing.
 */
export function ensureIds(doc: Doc, random: () => number = Math.random): Doc {
  const taken = idsIn(doc);
  let changed = false;
  const fix = <T extends { id?: string }>(item: T, prefix: string): T => {
    if (item.id) return item;
    changed = true;
    return withId(item, freshId(prefix, taken, random));
  };
  const blocks = (list: readonly Block[]) => list.map((b) => fix(b, "b"));
  const next: Doc = {
    ...doc,
    ...(doc.preamble ? { preamble: blocks(doc.preamble) } : {}),
    ...(doc.shots ? { shots: doc.shots.map((s) => fix({ ...s, blocks: blocks(s.blocks) }, "s")) } : {}),
    query: { ...doc.query, blocks: blocks(doc.query.blocks) },
  };
  return changed ? next : doc;
}

// ---------------------------------------------------------------- blocks

export function moveBlock(doc: Doc, chunk: ChunkRef, from: number, to: number): Doc {
  const blocks = blocksOf(doc, chunk);
  if (from === to || !blocks[from] || !blocks[to]) return doc;
  return withBlocks(doc, chunk, arrayMove(blocks, from, to));
}

/** Insert at `index` (default: the end). Refused (same doc) past the per-chunk limit. */
export function insertBlock(doc: Doc, chunk: ChunkRef, block: Block, index?: number): Doc {
  const blocks = blocksOf(doc, chunk);
  if (blocks.length >= MAX_BLOCKS_PER_CHUNK) return doc;
  if (chunk.kind === "shot" && !doc.shots?.[chunk.index]) return doc;
  const at = Math.max(0, Math.min(index ?? blocks.length, blocks.length));
  const id = block.id ?? freshId("b", idsIn(doc));
  return withBlocks(doc, chunk, [...blocks.slice(0, at), withId(block, id), ...blocks.slice(at)]);
}

/** Where a new image goes by default: after the chunk's last image (so before "Output:"), else first. */
export function imageInsertIndex(blocks: readonly Block[]): number {
  let last = -1;
  blocks.forEach((b, i) => {
    if (b.type === "image") last = i;
  });
  return last + 1;
}

export function insertImage(doc: Doc, chunk: ChunkRef, source: ImageSource, index?: number): Doc {
  return insertBlock(doc, chunk, { type: "image", source }, index ?? imageInsertIndex(blocksOf(doc, chunk)));
}

export function addTextBlock(doc: Doc, chunk: ChunkRef, text = ""): Doc {
  return insertBlock(doc, chunk, { type: "text", text });
}

/** Point an image block at another image (keeps its id and alt text). */
export function replaceImage(doc: Doc, chunk: ChunkRef, index: number, source: ImageSource): Doc {
  const blocks = blocksOf(doc, chunk);
  const b = blocks[index];
  if (!b || b.type !== "image") return doc;
  return withBlocks(doc, chunk, blocks.map((x, i) => (i === index ? { ...b, source } : x)));
}

export function removeBlock(doc: Doc, chunk: ChunkRef, index: number): Doc {
  const blocks = blocksOf(doc, chunk);
  if (!blocks[index] || blocks.length <= minBlocks(chunk)) return doc;
  return withBlocks(doc, chunk, blocks.filter((_, i) => i !== index));
}

export function setText(doc: Doc, chunk: ChunkRef, index: number, text: string): Doc {
  const blocks = blocksOf(doc, chunk);
  const b = blocks[index];
  if (!b || b.type !== "text" || b.text === text) return doc;
  return withBlocks(doc, chunk, blocks.map((x, i) => (i === index ? { ...b, text } : x)));
}

// ---------------------------------------------------------------- shots

export function moveShot(doc: Doc, from: number, to: number): Doc {
  const shots = doc.shots ?? [];
  if (from === to || !shots[from] || !shots[to]) return doc;
  return { ...doc, shots: arrayMove(shots, from, to) };
}

/**
 * A new, empty demonstration at `index` (default: the end), shaped like its
 * neighbour: the last shot's text blocks (or the query's), no image yet, no answer.
 */
export function addShot(doc: Doc, index?: number): Doc {
  const shots = doc.shots ?? [];
  if (shots.length >= MAX_SHOTS) return doc;
  const model = shots[shots.length - 1]?.blocks ?? doc.query.blocks;
  const texts = model.filter((b): b is Extract<Block, { type: "text" }> => b.type === "text").map((b) => ({ type: "text" as const, text: b.text }));
  const taken = idsIn(doc);
  const seed: Block[] = texts.length > 0 ? texts : [{ type: "text", text: "Output:" }];
  const blocks = seed.map((b) => withId<Block>(b, freshId("b", taken)));
  const shot: Shot = { id: freshId("s", taken), blocks, answer: "" };
  const at = Math.max(0, Math.min(index ?? shots.length, shots.length));
  return { ...doc, shots: [...shots.slice(0, at), shot, ...shots.slice(at)] };
}

/** A copy of shot `index` (fresh ids) right after it. */
export function duplicateShot(doc: Doc, index: number): Doc {
  const shots = doc.shots ?? [];
  const src = shots[index];
  if (!src || shots.length >= MAX_SHOTS) return doc;
  const taken = idsIn(doc);
  const copy: Shot = {
    ...withId(src, freshId("s", taken)),
    blocks: src.blocks.map((b) => withId(structuredClone(b), freshId("b", taken))),
  };
  return { ...doc, shots: [...shots.slice(0, index + 1), copy, ...shots.slice(index + 1)] };
}

export function removeShot(doc: Doc, index: number): Doc {
  const shots = doc.shots ?? [];
  if (!shots[index]) return doc;
  return { ...doc, shots: shots.filter((_, i) => i !== index) };
}

export function setAnswer(doc: Doc, index: number, answer: string): Doc {
  const shots = doc.shots ?? [];
  const s = shots[index];
  if (!s || s.answer === answer) return doc;
  return { ...doc, shots: shots.map((x, i) => (i === index ? { ...s, answer } : x)) };
}

// ---------------------------------------------------------------- variables

/** Variable names used in the document, with the kind their use implies, in order of first use. */
export function usedVariables(doc: Doc): Map<string, "text" | "image"> {
  const used = new Map<string, "text" | "image">();
  const note = (name: string, kind: "text" | "image") => {
    if (!used.has(name)) used.set(name, kind);
  };
  const visit = (blocks: readonly Block[]) => {
    for (const b of blocks) {
      if (b.type === "text") variablesInText(b.text).forEach((n) => note(n, "text"));
      else if (b.source.kind === "variable") note(b.source.name, "image");
    }
  };
  visit(doc.preamble ?? []);
  for (const s of doc.shots ?? []) {
    visit(s.blocks);
    variablesInText(s.answer).forEach((n) => note(n, "text"));
  }
  visit(doc.query.blocks);
  return used;
}

/** Used but not declared: what the "declare" buttons offer. */
export function undeclaredVariables(doc: Doc): { name: string; kind: "text" | "image" }[] {
  const declared = new Set((doc.variables ?? []).map((v) => v.name));
  return [...usedVariables(doc)].filter(([name]) => !declared.has(name)).map(([name, kind]) => ({ name, kind }));
}

export function declareVariable(doc: Doc, name: string, kind: "text" | "image"): Doc {
  const vars = doc.variables ?? [];
  if (vars.some((v) => v.name === name)) return doc;
  return { ...doc, variables: [...vars, { name, kind }] };
}

export function removeVariable(doc: Doc, name: string): Doc {
  const vars = doc.variables ?? [];
  if (!vars.some((v) => v.name === name)) return doc;
  return { ...doc, variables: vars.filter((v) => v.name !== name) };
}

/** Change a variable's kind; an image variable loses its (text-only) default. */
export function setVariableKind(doc: Doc, name: string, kind: "text" | "image"): Doc {
  const vars = doc.variables ?? [];
  const v = vars.find((x) => x.name === name);
  if (!v || v.kind === kind) return doc;
  const next: Variable = { ...v, kind };
  if (kind === "image") delete next.default;
  return { ...doc, variables: vars.map((x) => (x === v ? next : x)) };
}

/**
 * The image variable that an image put into chunk `chunkKey` fills (for running), instead of being
 * added beside it: the slot it was dropped on (`atKey`, a block key), else the chunk's first image-variable
 * slot that nothing is bound to, else its first one; null when the chunk has no such slot (the
 * image is added). `isBound` says whether a variable has an image.
 */
export function imageVariableSlot(doc: Doc, chunkKey: string, atKey: string | null | undefined, isBound: (name: string) => boolean): string | null {
  const chunk = chunkByKey(doc, chunkKey);
  if (!chunk) return null;
  const slots = blocksOf(doc, chunk).flatMap((b, i) => (b.type === "image" && b.source.kind === "variable" ? [{ key: blockKey(chunkKey, b, i), name: b.source.name }] : []));
  const declared = new Set((doc.variables ?? []).filter((v) => v.kind === "image").map((v) => v.name));
  const usable = slots.filter((s) => declared.has(s.name));
  if (usable.length === 0) return null;
  if (atKey) {
    const hit = slots.find((s) => s.key === atKey);
    // Dropped on another block (an image, a text) of a chunk with a slot: still the slot.
    if (hit && declared.has(hit.name)) return hit.name;
  }
  return (usable.find((s) => !isBound(s.name)) ?? usable[0]!).name;
}

// ---------------------------------------------------------------- counts

/** Image blocks in model order (preamble, shots, query). */
export function countImages(doc: Doc): number {
  const n = (blocks: readonly Block[]) => blocks.filter((b) => b.type === "image").length;
  return n(doc.preamble ?? []) + (doc.shots ?? []).reduce((sum, s) => sum + n(s.blocks), 0) + n(doc.query.blocks);
}

// ---------------------------------------------------------------- keys

/** Stable keys for React and drag and drop: the id when there is one. */
export const shotKey = (shot: Shot, index: number): string => shot.id ?? `shot-${index}`;
export const blockKey = (chunkKey: string, block: Block, index: number): string => block.id ?? `${chunkKey}:${index}`;

export function chunkKeyOf(doc: Doc, chunk: ChunkRef): string {
  if (chunk.kind !== "shot") return chunk.kind;
  const s = doc.shots?.[chunk.index];
  return s ? shotKey(s, chunk.index) : `shot-${chunk.index}`;
}

/** The chunk a key names in this (possibly since edited) document; null if it is gone. */
export function chunkByKey(doc: Doc, key: string): ChunkRef | null {
  if (key === "preamble") return PREAMBLE;
  if (key === "query") return QUERY;
  const shots = doc.shots ?? [];
  const i = shots.findIndex((s, idx) => shotKey(s, idx) === key);
  if (i >= 0) return shotRef(i);
  // A shot that had no id when the key was made (ids are given on the first edit).
  const m = /^shot-(\d+)$/.exec(key);
  return m && shots[Number(m[1])] ? shotRef(Number(m[1])) : null;
}

// ---------------------------------------------------------------- details

/** Name, description, tags: only the fields given change. Tags are trimmed, empty and repeated ones dropped. */
export function setDetails(doc: Doc, details: { name?: string; description?: string; tags?: string[] }): Doc {
  const next: Doc = { ...doc };
  if (details.name !== undefined) next.name = details.name;
  if (details.description !== undefined) next.description = details.description;
  if (details.tags !== undefined) next.tags = [...new Set(details.tags.map((t) => t.trim()).filter(Boolean))];
  return next;
}
