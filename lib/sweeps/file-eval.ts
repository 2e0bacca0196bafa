/**
 * `npm run eval` on the one sweep engine: a JSONL dataset evaluated few-shot, planned by plan.ts and
 * run by execute.ts exactly as a sweep's cells are — only kept in memory instead of the database.
 * Demonstrations come from the same file, never the query's own image: random selection gives every
 * item a key per seed and a query's k demonstrations are the k smallest keys besides it (so all
 * queries of a seed share one prefix, and the k-shot set starts the 2k-shot set); balanced deals the
 * same keys round-robin over the answers.
 */
import "server-only";
import type { Backend, RankMethod } from "@/lib/backends/contract";
import { candidatesFor, type EvalItem } from "@/lib/eval/dataset";
import { meanCI, type MeanCI } from "@/lib/eval/metrics";
import { seededRandom, shuffle } from "@/lib/eval/select";
import type { ChunkTemplate } from "@/lib/eval/template";
import { normalizeSequence } from "@/lib/prompt/sequence";
import { AppError } from "@/lib/errors";
import { runEngineCells, type CellResult, type CellWork } from "./execute";
import { planCells } from "./plan";
import type { SweepItemRef, SweepMode, SweepStats } from "./types";

export interface FileEvalConfig {
  shots: number[];
  /** Seeds 0 … seeds−1. */
  seeds: number;
  mode: SweepMode;
  balanced?: boolean;
  template: ChunkTemplate;
  /** Evaluate only this many queries (a seeded sample, the same for every cell); default all. */
  queries?: number;
  /** generate mode: most new tokens (default 16). */
  maxTokens?: number;
}

export interface ShotResult {
  shots: number;
  /** Over seeds × queries (failed cells left out). */
  accuracy: MeanCI;
  /** Accuracy of each seed. */
  perSeed: number[];
  /** generate mode: token F1 over seeds × queries. */
  f1?: MeanCI;
  /** Engine time of the shot count's cells, summed. */
  ms: number;
}

export interface EvalReport {
  engine: string;
  model: string;
  mode: SweepMode;
  template: string;
  balanced: boolean;
  seeds: number;
  items: number;
  queries: number;
  results: ShotResult[];
  /** Rank mode: how the engine ranked (exact, or what a remote engine offers), cells per method. */
  rankMethods: Partial<Record<RankMethod, number>>;
  /** Cells whose engine kept failing after its retries, with one of their reasons. */
  failedCells: number;
  firstError: string | null;
  retries: number;
  usage: { promptTokens: number; completionTokens: number };
}

export interface Progress {
  done: number;
  total: number;
}

const EMPTY: SweepStats = { visualCacheHits: 0, visualCacheLookups: 0, prefixCacheHits: 0, prefixCacheLookups: 0, modelMs: 0, wallMs: 0, promptTokens: 0, completionTokens: 0, retries: 0, failedCells: 0 };

/**
 * Evaluate `items` (`imageIds[i]` the asset id of item i's image, as `backend`'s image source knows
 * it) at every shot count and seed. Throws before any model call when a shot count needs more
 * demonstrations than the file has besides the query.
 */
export async function evalFile(items: readonly EvalItem[], imageIds: readonly string[], backend: Backend, cfg: FileEvalConfig, onProgress?: (p: Progress) => void): Promise<EvalReport> {
  if (imageIds.length !== items.length) throw new Error("one image id per item expected");
  if (!Number.isInteger(cfg.seeds) || cfg.seeds < 1) throw new AppError("bad_request", "seeds must be a whole number ≥ 1");
  const refs: SweepItemRef[] = items.map((it, i) => ({ id: String(i), assetId: imageIds[i] as string, question: it.question ?? null, answer: it.answer }));
  const nq = Math.min(cfg.queries ?? items.length, items.length);
  const sample = shuffle(items.map((_, i) => i), seededRandom(0x5eed)).slice(0, nq).sort((a, b) => a - b);
  const cells = planCells({ config: { shots: cfg.shots, seeds: cfg.seeds, selections: [cfg.balanced ? "balanced" : "random"] }, pool: refs, queries: sample.map((i) => refs[i] as SweepItemRef) });
  const work: CellWork = {
    mode: cfg.mode,
    maxTokens: cfg.maxTokens ?? 16,
    materialize: (cell) => {
      const qi = sample[cell.query] as number;
      const query = items[qi] as EvalItem;
      const parts = [...cell.demos.flatMap((d) => cfg.template.demo(items[d] as EvalItem, imageIds[d] as string)), ...cfg.template.query(query, imageIds[qi] as string)];
      return { prompt: normalizeSequence(parts), answer: query.answer, ...(cfg.mode === "rank" ? { candidates: candidatesFor(query, items) } : {}) };
    },
    demoIds: (cell) => cell.demos.map(String),
  };
  const stats: SweepStats = { ...EMPTY };
  const rows: CellResult[] = [];
  await runEngineCells(work, backend.id, backend, cells, {
    stats,
    store: async (batch) => {
      rows.push(...batch);
      onProgress?.({ done: rows.length, total: cells.length });
      return true;
    },
  });
  const failed = rows.filter((r) => r.error !== null);
  const results = [...new Set(cfg.shots)]
    .sort((a, b) => a - b)
    .map((shots): ShotResult => {
      const ok = rows.filter((r) => r.shots === shots && r.error === null);
      const perSeed = Array.from({ length: cfg.seeds }, (_, seed) => {
        const s = ok.filter((r) => r.seed === seed);
        return s.filter((r) => r.correct).length / Math.max(1, s.length);
      });
      return {
        shots,
        accuracy: meanCI(ok.map((r) => (r.correct ? 1 : 0))),
        perSeed,
        ...(cfg.mode === "generate" ? { f1: meanCI(ok.map((r) => r.score)) } : {}),
        ms: rows.filter((r) => r.shots === shots).reduce((t, r) => t + r.ms, 0),
      };
    });
  return {
    engine: backend.id,
    model: backend.model,
    mode: cfg.mode,
    template: cfg.template.format,
    balanced: cfg.balanced ?? false,
    seeds: cfg.seeds,
    items: items.length,
    queries: sample.length,
    results,
    rankMethods: stats.rankMethods ?? {},
    failedCells: failed.length,
    firstError: failed[0]?.error ?? null,
    retries: stats.retries,
    usage: { promptTokens: stats.promptTokens, completionTokens: stats.completionTokens },
  };
}
