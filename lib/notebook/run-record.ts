/**
 * A saved run of one cell, as the API receives it and the library file carries it: what ran
 * (backend, the execution provider that actually ran, model, parameters), the exact prompt, the
 * output and the timings.
 */
import { z } from "zod";
import { ASSET_ID } from "@/lib/prompt/schema";
import { RunParamsSchema } from "./schema";

const finite = z.number().finite();

export const PromptSequenceSchema = z
  .object({
    parts: z
      .array(
        z.discriminatedUnion("type", [
          z.object({ type: z.literal("text"), text: z.string().max(200_000), answer: z.literal(true).optional() }).strict(),
          z.object({ type: z.literal("image"), assetId: z.string().regex(ASSET_ID, "must be a 64-character lowercase hex SHA-256") }).strict(),
          z.object({ type: z.literal("endOfChunk") }).strict(),
        ]),
      )
      .min(1)
      .max(5_000),
  })
  .strict();

export const CellRunOutputSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("generate"), text: z.string().max(100_000), finishReason: z.string().max(40).optional() }).strict(),
  z
    .object({
      mode: z.literal("rank"),
      scores: z.array(z.object({ candidate: z.string().max(500), sum: finite, mean: finite, tokens: z.number().int().min(0) }).strict()).min(1).max(100),
    })
    .strict(),
]);

export const CellRunTimingsSchema = z
  .object({
    ttftMs: finite.min(0).optional(),
    totalMs: finite.min(0),
    tokens: z.number().int().min(0).optional(),
    tokensPerSecond: finite.min(0).optional(),
    loadMs: finite.min(0).optional(),
  })
  .strict();

export const CellRunRecordSchema = z
  .object({
    cellId: z.string().min(1).max(64),
    /** The notebook version the cell was run from. */
    version: z.number().int().min(1),
    backend: z.enum(["browser-webgpu", "browser-wasm", "server", "remote"]),
    provider: z.string().trim().min(1).max(40),
    model: z.string().trim().min(1).max(120),
    params: RunParamsSchema,
    prompt: PromptSequenceSchema,
    output: CellRunOutputSchema,
    timings: CellRunTimingsSchema,
  })
  .strict();

export type CellRunRecord = z.infer<typeof CellRunRecordSchema>;
