/**
 * A saved run of one cell, as the API receives it and the library file carries it: what ran
 * (backend, the execution provider that actually ran, model, parameters — the engine among them),
 * the exact prompt, the output (with the engine that ran it, and a remote engine's exchange) and
 * the timings.
 */
import { z } from "zod";
import type { RankMethod } from "@/lib/backends/contract";
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

/** Most JSON characters a saved run keeps of a remote exchange (the client cuts longer bodies). */
export const MAX_STORED_EXCHANGE_CHARS = 400_000;

/** What went over the wire to a remote engine: the request body (image bytes elided, no secrets) and the raw response. */
export const ExchangeSchema = z
  .object({
    url: z.string().max(2_000),
    status: z.number().int().min(0).max(999),
    request: z.unknown(),
    response: z.unknown(),
  })
  .strict()
  .refine((x) => (JSON.stringify(x) ?? "").length <= MAX_STORED_EXCHANGE_CHARS + 10_000, `is larger than ${MAX_STORED_EXCHANGE_CHARS} characters of JSON`);

export const UsageSchema = z.object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) }).strict();

/**
 * Which engine ran it and how it went, kept in the output (optional: runs saved before engines
 * have none): the registry id, the call's wall time, the tokens the engine reported, and — for
 * remote engines — the exchange the run inspector shows.
 */
const engineRunFields = {
  engine: z.string().min(1).max(100).optional(),
  latencyMs: finite.min(0).optional(),
  usage: UsageSchema.optional(),
  exchange: ExchangeSchema.optional(),
};

export const RANK_METHOD_VALUES = ["exact", "prompt_logprobs", "echo_logprobs", "first_token_logprobs", "generate_match"] as const satisfies readonly RankMethod[];

export const CellRunOutputSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("generate"), text: z.string().max(100_000), finishReason: z.string().max(40).optional(), ...engineRunFields }).strict(),
  z
    .object({
      mode: z.literal("rank"),
      /** `sum`/`mean` null: no probability at all (−∞; a remote engine's candidate that its answer did not match). */
      scores: z.array(z.object({ candidate: z.string().max(500), sum: finite.nullable(), mean: finite.nullable(), tokens: z.number().int().min(0) }).strict()).min(1).max(100),
      /** How the candidates were ranked (absent: the bundled engine's exact sum). */
      method: z.enum(RANK_METHOD_VALUES).optional(),
      approximate: z.boolean().optional(),
      /** Why a better method was not used. */
      note: z.string().max(1_000).optional(),
      ...engineRunFields,
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
