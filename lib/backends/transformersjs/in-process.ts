/**
 * A loaded TfjsEngine as a `Backend`, in this process (Node: tests, scripts; a worker could use it too).
 * The page's Backend is backend.ts (the engine in its worker); both rank exactly from the logits.
 */
import { rankingOf, type Backend, type BackendRunResult, type ScoreOutcome } from "@/lib/backends/contract";
import type { TfjsEngine, TfjsImageSource } from "./engine";

export function inProcessTfjsBackend(id: string, engine: TfjsEngine, images: TfjsImageSource, maxImages: number | null = null): Backend {
  const score = async (prompt: Parameters<Backend["score"]>[0], candidates: readonly string[], o: Parameters<Backend["score"]>[2] = {}): Promise<ScoreOutcome> => {
    const t0 = performance.now();
    const scores = await engine.score(prompt, images, candidates, { ...(o.signal ? { signal: o.signal } : {}), ...(o.appendEndOfChunk !== undefined ? { appendEnd: o.appendEndOfChunk } : {}) });
    return { scores, ranking: rankingOf(scores), method: "exact", approximate: false, latencyMs: performance.now() - t0 };
  };
  return {
    id,
    kind: "transformersjs",
    model: engine.model,
    capabilities: () => ({ streaming: true, rankMethods: ["exact"], maxImagesPerPrompt: maxImages, maxConcurrency: 1, trace: false, beams: false }),
    async generate(prompt, params, hooks = {}): Promise<BackendRunResult> {
      const t0 = performance.now();
      const r = await engine.generate(prompt, images, params, hooks);
      return { ...r, engine: id, model: engine.model, latencyMs: performance.now() - t0 };
    },
    score,
    async scoreMany(prompts, candidates, o = {}) {
      const out: ScoreOutcome[] = [];
      for (const [i, p] of prompts.entries()) out.push(await score(p, candidates[i] ?? [], o));
      return out;
    },
  };
}
