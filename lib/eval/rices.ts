/**
 * RICES (Retrieval-based In-Context Example Selection, Yang et al. 2022; Flamingo §3.3, OpenFlamingo
 * eval): a query's demonstrations are the pool items whose images are most similar to the query image,
 * by cosine similarity of the model's own visual features, placed so the most similar comes last
 * (right before the query). The feature of an image here is its visual tokens `[L, D]` (the Perceiver
 * Resampler's output, what the language model attends to) mean-pooled over L and L2-normalised: `[D]`.
 */
import { AppError } from "@/lib/errors";

/** Mean over the L rows of row-major visual tokens `[L * D]` → `[D]`, L2-normalised (zero stays zero). */
export function visualFeature(tokens: Float32Array, L: number, D: number): Float32Array {
  if (tokens.length !== L * D) throw new Error(`visual tokens of length ${tokens.length}, expected L·D = ${L}·${D}`);
  const out = new Float32Array(D);
  for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) out[d] = (out[d] as number) + (tokens[l * D + d] as number);
  return normalize(out);
}

/** Scale to unit L2 norm in place (a zero vector is left as is). */
export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
  return v;
}

/** Cosine similarity of two vectors (0 when either is zero). */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error("vectors of different lengths");
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Indices of the `shots` pool features most similar to `query`, least similar first and the most
 * similar LAST. Ties go to the lower pool index (it ranks as more similar). `exclude`: pool indices
 * never chosen (an item with the query's own image).
 */
export function ricesSelect(query: Float32Array, pool: readonly Float32Array[], shots: number, exclude: ReadonlySet<number> = new Set()): number[] {
  if (!Number.isInteger(shots) || shots < 0) throw new AppError("bad_request", `shots must be a whole number ≥ 0, got ${shots}`);
  if (shots === 0) return [];
  const ranked = pool
    .map((f, i) => ({ i, s: cosine(query, f) }))
    .filter((r) => !exclude.has(r.i))
    .sort((a, b) => b.s - a.s || a.i - b.i);
  if (ranked.length < shots) throw new AppError("bad_request", `${shots} demonstrations asked for, but the pool has only ${ranked.length} usable items`);
  return ranked
    .slice(0, shots)
    .reverse()
    .map((r) => r.i);
}
