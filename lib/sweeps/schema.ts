/** zod schemas of the sweep routes' bodies and queries (the shapes are documented in ./types.ts). */
import { z } from "zod";
import { IdSchema } from "@/lib/http/params";
import { MAX_SWEEP_SHOTS } from "./limits";

export const SelectionSchema = z.enum(["random", "balanced", "rices"]);

export const SweepRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    templateId: IdSchema,
    templateVersion: z.number().int("must be a whole number").min(1).optional(),
    datasetId: IdSchema,
    shots: z
      .array(z.number().int("shot counts are whole numbers").min(0, "shot counts start at 0").max(MAX_SWEEP_SHOTS, `at most ${MAX_SWEEP_SHOTS} shots`))
      .min(1, "give at least one shot count")
      .max(16)
      .optional(),
    seeds: z.number().int("must be a whole number").min(1, "at least 1 seed").max(10, "at most 10 seeds").optional(),
    selections: z.array(SelectionSchema).min(1, "give at least one selection").max(3).optional(),
    backend: z.enum(["server", "browser"]).optional(),
    engines: z.array(z.string().min(1).max(100)).min(1, "pick at least one engine").max(8, "at most 8 engines").optional(),
    mode: z.enum(["rank", "generate"]).optional(),
    maxTokens: z.number().int().min(1).max(64, "at most 64 new tokens").optional(),
    queries: z.number().int().min(1, "at least 1 query").max(10_000).optional(),
  })
  .strict();
export type SweepRequestBody = z.output<typeof SweepRequestSchema>;

export const SweepListQuery = z.object({ datasetId: IdSchema.optional(), templateId: IdSchema.optional() });

export const CellQuery = z.object({
  itemId: IdSchema,
  shots: z.coerce.number().int().min(0).max(MAX_SWEEP_SHOTS),
  seed: z.coerce.number().int().min(0).max(9),
  selection: SelectionSchema,
});

export const PlanQuery = z.object({ limit: z.coerce.number().int().min(1).max(256).default(32) });

export const ExportQuery = z.object({ format: z.enum(["csv", "json"], { error: 'format must be "csv" or "json"' }).default("json") });

const finite = z.number().refine(Number.isFinite, "must be a finite number");

export const SweepResultsPostSchema = z
  .object({
    cells: z
      .array(
        z
          .object({
            itemId: IdSchema,
            shots: z.number().int().min(0).max(MAX_SWEEP_SHOTS),
            seed: z.number().int().min(0).max(9),
            selection: SelectionSchema,
            output: z.string().max(10_000).optional(),
            scores: z.array(finite).max(256).optional(),
            ms: z.number().min(0).max(3_600_000),
          })
          .strict(),
      )
      .min(1, "post at least one cell")
      .max(512, "at most 512 cells per post"),
    stats: z
      .object({ visualCacheHits: z.number().int().min(0), visualCacheLookups: z.number().int().min(0), prefixCacheHits: z.number().int().min(0), prefixCacheLookups: z.number().int().min(0), modelMs: z.number().min(0) })
      .partial()
      .strict()
      .optional(),
  })
  .strict();
export type SweepResultsPostBody = z.output<typeof SweepResultsPostSchema>;
