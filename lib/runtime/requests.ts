/**
 * zod schemas of run / score requests, shared by the HTTP routes, the CLI and the worker
 * protocol. Limits that depend on the deployment (images per prompt, tokens) are checked by
 * the backend; these only bound what is structurally sane.
 */
import { z } from "zod";
import { DEFAULT_MODEL_ID } from "@/lib/models/defaults";
import { ASSET_ID } from "@/lib/prompt/schema";

export const PromptPartSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string().max(100_000), answer: z.literal(true).optional() }).strict(),
  z.object({ type: z.literal("image"), assetId: z.string().regex(ASSET_ID, "must be a 64-character lowercase hex SHA-256") }).strict(),
  z.object({ type: z.literal("endOfChunk") }).strict(),
]);

export const PromptSequenceSchema = z.object({ parts: z.array(PromptPartSchema).min(1, "the prompt is empty").max(10_000) }).strict();

export const GenerateParamsSchema = z
  .object({
    maxTokens: z.number().int().min(1).max(4096).optional(),
    minTokens: z.number().int().min(0).max(4096).optional(),
    temperature: z.number().min(0).max(5).optional(),
    topP: z.number().gt(0).max(1).optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    numBeams: z.number().int().min(1).max(8).optional(),
    stop: z.array(z.string().min(1).max(200)).max(8).optional(),
    trace: z.boolean().optional(),
  })
  .strict();

/** A registry engine id (/api/engines): the bundled package's id, or a remote engine's. */
const EngineRef = z.string().min(1).max(100);

export const RunRequestSchema = GenerateParamsSchema.extend({
  model: z.string().min(1).max(64).default(DEFAULT_MODEL_ID),
  /** Run on this registered engine instead of the bundled `model`. */
  engine: EngineRef.optional(),
  prompt: PromptSequenceSchema,
  /** Server-sent events (default) or one JSON response. */
  stream: z.boolean().default(true),
}).strict();

export const ScoreRequestSchema = z
  .object({
    model: z.string().min(1).max(64).default(DEFAULT_MODEL_ID),
    engine: EngineRef.optional(),
    prompt: PromptSequenceSchema,
    candidates: z.array(z.string().min(1).max(2000)).min(1).max(1000),
    appendEndOfChunk: z.boolean().optional(),
  })
  .strict();

export type RunRequest = z.infer<typeof RunRequestSchema>;
export type ScoreRequest = z.infer<typeof ScoreRequestSchema>;
