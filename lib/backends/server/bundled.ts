import "server-only";
import type { Backend, BackendCapabilities, BackendRunResult, GenerateParams, RunHooks, ScoreCallOptions, ScoreOutcome } from "@/lib/backends/contract";
import { rankingOf } from "@/lib/backends/contract";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { DEFAULT_MAX_TOKENS, type EngineStats } from "@/lib/runtime/engine";
import { asAppError, getServerModel } from "./engine";
import { checkCandidates, checkMaxTokens, checkPrompt, DEFAULT_LIMITS } from "./limits";
import { scoreCandidates, type ServiceOptions } from "./service";

/** The bundled engine on the server, plus what only it has: its cache counters (sweep statistics). */
export interface BundledServerBackend extends Backend {
  readonly kind: "bundled";
  /** The loaded engine's cumulative counters (loads the model if needed). */
  engineStats(): Promise<EngineStats>;
}

/**
 * A bundled model package run on this server by onnxruntime-node (lib/backends/server/engine.ts):
 * one engine per process behind a FIFO queue, so it reports a concurrency of 1 and batches
 * `scoreMany` into one engine call. Ranking is exact (every candidate token's log-likelihood).
 */
export function bundledServerBackend(modelId: string, opts: ServiceOptions = {}): BundledServerBackend {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const capabilities: BackendCapabilities = { streaming: true, rankMethods: ["exact"], maxImagesPerPrompt: limits.maxImagesPerPrompt, maxConcurrency: 1, trace: true, beams: true };
  return {
    id: modelId,
    kind: "bundled",
    model: modelId,
    capabilities: () => capabilities,

    async generate(prompt: PromptSequence, params: GenerateParams, hooks: RunHooks = {}): Promise<BackendRunResult> {
      checkPrompt(prompt, limits);
      checkMaxTokens(params.maxTokens, limits);
      const model = await getServerModel(modelId, opts);
      // Token limits (the model's context, FLAMINGO_MAX_PROMPT_TOKENS) before queueing: a 413 at once.
      model.engine.checkPrompt(prompt, { kind: "generate", maxTokens: params.maxTokens ?? DEFAULT_MAX_TOKENS });
      const t0 = performance.now();
      try {
        const r = await model.engine.generate(prompt, { ...params, ...(hooks.signal ? { signal: hooks.signal } : {}), ...(hooks.onToken ? { onToken: hooks.onToken } : {}) });
        return { ...r, engine: modelId, model: modelId, latencyMs: performance.now() - t0 };
      } catch (e) {
        throw asAppError(e);
      }
    },

    async score(prompt: PromptSequence, candidates: readonly string[], o: ScoreCallOptions = {}): Promise<ScoreOutcome> {
      const t0 = performance.now();
      const r = await scoreCandidates({ model: modelId, prompt, candidates: [...candidates], ...(o.appendEndOfChunk !== undefined ? { appendEndOfChunk: o.appendEndOfChunk } : {}) }, o.signal, opts);
      return { scores: r.scores, ranking: r.ranking, method: "exact", approximate: false, latencyMs: performance.now() - t0 };
    },

    async scoreMany(prompts: readonly PromptSequence[], candidates: readonly (readonly string[])[], o: ScoreCallOptions = {}): Promise<ScoreOutcome[]> {
      for (const p of prompts) checkPrompt(p, limits);
      for (const c of candidates) checkCandidates(c, limits);
      const model = await getServerModel(modelId, opts);
      prompts.forEach((p, i) => model.engine.checkPrompt(p, model.engine.candidateReserve(candidates[i] ?? [], o.appendEndOfChunk ?? true)));
      const t0 = performance.now();
      let all;
      try {
        all = await model.engine.scoreMany(prompts, candidates, { ...(o.signal ? { signal: o.signal } : {}), ...(o.appendEndOfChunk !== undefined ? { appendEndOfChunk: o.appendEndOfChunk } : {}) });
      } catch (e) {
        throw asAppError(e);
      }
      // One engine call for the batch: its time is shared out evenly.
      const latencyMs = (performance.now() - t0) / Math.max(1, prompts.length);
      return all.map((scores) => ({ scores, ranking: rankingOf(scores), method: "exact" as const, approximate: false, latencyMs }));
    },

    async engineStats(): Promise<EngineStats> {
      return (await getServerModel(modelId, opts)).engine.stats();
    },
  };
}
