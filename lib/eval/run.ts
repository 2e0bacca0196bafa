/**
 * A few-shot sweep: for every shot count and seed, every query is prompted with its
 * demonstrations (select.ts) laid out by the chunk template, then either its candidates are
 * ranked by summed log-likelihood (`rank`) or a greedy answer is generated (`generate`, exact
 * match after trimming, token F1). Backend-neutral: the model comes in as `EvalModel`.
 */
import { AppError } from "@/lib/errors";
import type { PromptPart, PromptSequence } from "@/lib/prompt/sequence";
import { candidatesFor, type EvalItem } from "./dataset";
import { exactMatch, meanCI, tokenF1, type MeanCI } from "./metrics";
import { demonstrationKeys, seededRandom, selectDemonstrations, shuffle } from "./select";
import type { ChunkTemplate } from "./template";

export type EvalMode = "rank" | "generate";

export interface EvalModel {
  /** Summed log-likelihood of each candidate continuation of `prompt`. */
  score(prompt: PromptSequence, candidates: string[]): Promise<number[]>;
  /**
   * Optional: `score` for many prompts at once (`candidates[i]` for prompt i), so a backend can share
   * the demonstrations' prefill among the queries of a cell and batch their candidates.
   */
  scoreMany?(prompts: PromptSequence[], candidates: string[][]): Promise<number[][]>;
  /** Greedy continuation, stopped at `<|endofchunk|>`. */
  generate(prompt: PromptSequence, maxTokens: number): Promise<string>;
}

export interface EvalConfig {
  shots: number[];
  /** Seeds 0 … seeds−1. */
  seeds: number;
  mode: EvalMode;
  balanced?: boolean;
  template: ChunkTemplate;
  /** Evaluate only this many queries (a seeded sample, the same for every cell); default all. */
  queries?: number;
  /** generate mode: most new tokens (default 16). */
  maxTokens?: number;
}

export interface ShotResult {
  shots: number;
  /** Over seeds × queries. */
  accuracy: MeanCI;
  /** Accuracy of each seed. */
  perSeed: number[];
  /** generate mode: token F1 over seeds × queries. */
  f1?: MeanCI;
  ms: number;
}

export interface EvalReport {
  mode: EvalMode;
  template: string;
  balanced: boolean;
  seeds: number;
  items: number;
  queries: number;
  results: ShotResult[];
}

export interface Progress {
  shots: number;
  seed: number;
  done: number;
  total: number;
}

/**
 * Run the sweep. `imageIds[i]` is the asset id of item i's image.
 * Throws (before any model call) when a shot count needs more items than the file has.
 */
export async function runEval(items: readonly EvalItem[], imageIds: readonly string[], model: EvalModel, cfg: EvalConfig, onProgress?: (p: Progress) => void): Promise<EvalReport> {
  if (imageIds.length !== items.length) throw new Error("one image id per item expected");
  if (!Number.isInteger(cfg.seeds) || cfg.seeds < 1) throw new AppError("bad_request", "seeds must be a whole number ≥ 1");
  const answers = items.map((it) => it.answer);
  const maxShots = Math.max(...cfg.shots);
  // Fail early, with the same check the selection makes per query.
  selectDemonstrations(answers, maxShots, demonstrationKeys(items.length, 0), { balanced: cfg.balanced ?? false, exclude: [0] });
  const nq = Math.min(cfg.queries ?? items.length, items.length);
  const queries = shuffle(
    items.map((_, i) => i),
    seededRandom(0x5eed),
  )
    .slice(0, nq)
    .sort((a, b) => a - b);
  const results: ShotResult[] = [];
  for (const shots of cfg.shots) {
    const t0 = performance.now();
    const hits: number[] = [];
    const f1s: number[] = [];
    const perSeed: number[] = [];
    for (let seed = 0; seed < cfg.seeds; seed++) {
      const keys = demonstrationKeys(items.length, seed);
      let seedHits = 0;
      const prompts = queries.map((q) => {
        const demo = selectDemonstrations(answers, shots, keys, { balanced: cfg.balanced ?? false, exclude: [q] });
        const parts: PromptPart[] = [];
        for (const d of demo) parts.push(...cfg.template.demo(items[d] as EvalItem, imageIds[d] as string));
        parts.push(...cfg.template.query(items[q] as EvalItem, imageIds[q] as string));
        return { parts };
      });
      const cands = queries.map((q) => candidatesFor(items[q] as EvalItem, items));
      // Rank mode with a batching backend: the queries of a cell in groups of 64.
      const batched: number[][] = [];
      if (cfg.mode === "rank" && model.scoreMany) {
        for (let i = 0; i < prompts.length; i += 64) {
          batched.push(...(await model.scoreMany(prompts.slice(i, i + 64), cands.slice(i, i + 64))));
          onProgress?.({ shots, seed, done: Math.min(i + 64, prompts.length), total: queries.length });
        }
      }
      for (const [done, q] of queries.entries()) {
        const item = items[q] as EvalItem;
        const prompt = prompts[done] as PromptSequence;
        let hit: boolean;
        if (cfg.mode === "rank") {
          const options = cands[done] as string[];
          const scores = batched[done] ?? (await model.score(prompt, options));
          let best = 0;
          scores.forEach((s, i) => {
            if (s > (scores[best] as number)) best = i;
          });
          hit = exactMatch(options[best] as string, item.answer);
        } else {
          const text = await model.generate(prompt, cfg.maxTokens ?? 16);
          hit = exactMatch(text, item.answer);
          f1s.push(tokenF1(text, item.answer));
        }
        hits.push(hit ? 1 : 0);
        if (hit) seedHits++;
        if (batched.length === 0) onProgress?.({ shots, seed, done: done + 1, total: queries.length });
      }
      perSeed.push(seedHits / queries.length);
    }
    results.push({ shots, accuracy: meanCI(hits), perSeed, ...(cfg.mode === "generate" ? { f1: meanCI(f1s) } : {}), ms: performance.now() - t0 });
  }
  return { mode: cfg.mode, template: cfg.template.format, balanced: cfg.balanced ?? false, seeds: cfg.seeds, items: items.length, queries: queries.length, results };
}
