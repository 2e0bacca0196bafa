/**
 * A sweep's working set: its stored configuration, the dataset split into pool and queries, the
 * template layout, RICES features when needed, and the cell plan. Shared by the server runner and
 * the routes (plan, results, prompt), so both compute exactly the same demonstrations.
 */
import "server-only";
import { getServerModel } from "@/lib/backends/server";
import type { FlamingoEngine } from "@/lib/runtime/engine";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { visualFeature } from "@/lib/eval/rices";
import { getDatasetItems, type DatasetItemRow } from "@/lib/store";
import { getSweepRecord, type SweepRecord } from "@/lib/store/sweeps";
import type { CellWork } from "./execute";
import { candidatesOf, planCells, type PlannedCell } from "./plan";
import { sweepLayout, type SweepLayout } from "./template";
import type { SweepItemRef } from "./types";

export interface SweepContext {
  record: SweepRecord;
  layout: SweepLayout;
  pool: DatasetItemRow[];
  /** The evaluation items the sweep scores (the first `queries` of the eval split). */
  queries: DatasetItemRow[];
  /** Every answer of the dataset in file order (rank-mode candidates of items without their own). */
  allAnswers: string[];
  byId: Map<string, DatasetItemRow>;
}

export const itemRef = (it: DatasetItemRow): SweepItemRef => ({ id: it.id, assetId: it.assetId, question: it.question, answer: it.answer });

export function splitItems(items: readonly DatasetItemRow[], queries: number): { pool: DatasetItemRow[]; queries: DatasetItemRow[] } {
  return { pool: items.filter((i) => i.split === "pool"), queries: items.filter((i) => i.split === "eval").slice(0, queries) };
}

export async function loadSweepContext(sweepId: string): Promise<SweepContext> {
  const record = await getSweepRecord(sweepId);
  const items = await getDatasetItems(record.config.datasetId);
  const { pool, queries } = splitItems(items, record.config.queries);
  return { record, layout: sweepLayout(record.config.template), pool, queries, allAnswers: items.map((i) => i.answer), byId: new Map(items.map((i) => [i.id, i])) };
}

const needsFeatures = (ctx: SweepContext) => ctx.record.config.selections.includes("rices");

/** The sweep's engine (the server's onnxruntime-node model). */
export async function sweepEngine(ctx: SweepContext): Promise<FlamingoEngine> {
  return (await getServerModel(ctx.record.config.model)).engine;
}

// Features by model and asset id: `[D]` floats each, cheap to keep; survives dev hot reload.
const featureStore = globalThis as typeof globalThis & { __flamingoSweepFeatures?: Map<string, Float32Array> };
const FEATURE_ENTRIES = 20_000;

/**
 * RICES features of `assetIds` (`[D]` unit vectors): the engine's visual tokens `[L, D]` mean-pooled
 * (lib/eval/rices.ts). Encoded 16 images per engine call, so interactive requests interleave.
 */
export async function visualFeatures(engine: FlamingoEngine, model: string, assetIds: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
  const memo = (featureStore.__flamingoSweepFeatures ??= new Map());
  const { n_visual_tokens_per_image: L, visual_token_dim: D } = engine.manifest.architecture;
  const missing = [...new Set(assetIds.filter((id) => !memo.has(`${model}|${id}`)))];
  for (let i = 0; i < missing.length; i += 16) {
    const ids = missing.slice(i, i + 16);
    const tokens = await engine.encodeImages(ids, signal);
    ids.forEach((id, j) => memo.set(`${model}|${id}`, visualFeature(tokens[j] as Float32Array, L, D)));
  }
  while (memo.size > FEATURE_ENTRIES) memo.delete(memo.keys().next().value as string);
  return assetIds.map((id) => memo.get(`${model}|${id}`) as Float32Array);
}

/** Every cell of the sweep in run order (RICES features computed with the server engine when needed). */
export async function sweepPlan(ctx: SweepContext, engine?: FlamingoEngine, signal?: AbortSignal): Promise<PlannedCell[]> {
  let features: { pool: Float32Array[]; queries: Float32Array[] } | undefined;
  if (needsFeatures(ctx)) {
    const e = engine ?? (await sweepEngine(ctx));
    const model = ctx.record.config.model;
    features = { pool: await visualFeatures(e, model, ctx.pool.map((p) => p.assetId), signal), queries: await visualFeatures(e, model, ctx.queries.map((q) => q.assetId), signal) };
  }
  return planCells({ config: ctx.record.config, pool: ctx.pool.map(itemRef), queries: ctx.queries.map(itemRef), ...(features ? { features } : {}) });
}

/** What the sweep engine's loop (execute.ts) needs of a stored sweep. */
export function cellWork(ctx: SweepContext): CellWork {
  return {
    mode: ctx.record.config.mode,
    maxTokens: ctx.record.config.maxTokens,
    materialize: (cell) => {
      const m = materialize(ctx, cell);
      return { prompt: m.prompt, answer: m.query.answer, ...(m.candidates ? { candidates: m.candidates } : {}) };
    },
    demoIds: (cell) => cell.demos.map((d) => (ctx.pool[d] as DatasetItemRow).id),
  };
}

/** A planned cell's demonstrations, prompt and (rank mode) candidates. */
export function materialize(ctx: SweepContext, cell: PlannedCell): { query: DatasetItemRow; demos: DatasetItemRow[]; prompt: PromptSequence; candidates?: string[] } {
  const query = ctx.queries[cell.query] as DatasetItemRow;
  const demos = cell.demos.map((d) => ctx.pool[d] as DatasetItemRow);
  const prompt = ctx.layout.prompt(demos, query);
  return { query, demos, prompt, ...(ctx.record.config.mode === "rank" ? { candidates: candidatesOf(query, ctx.allAnswers) } : {}) };
}
