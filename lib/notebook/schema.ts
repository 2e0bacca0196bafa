/**
 * THE notebook format: a named document of cells, each a prompt (a library template, pinned to a
 * version or following the latest, or an inline template document) with its bound variables and
 * its run parameters. Saved runs live beside the document (CellRun rows), keyed by the cell's id.
 * Bump NOTEBOOK_FORMAT_VERSION on any change an older reader could misread.
 */
import { z } from "zod";
import { ASSET_ID, MAX_TEXT_LENGTH, TemplateSchema, VARIABLE_NAME } from "@/lib/prompt/schema";
import { refuseUnsafeText } from "@/lib/text";

export const NOTEBOOK_FORMAT_VERSION = 1;
export const MAX_CELLS = 200;
export const MAX_CANDIDATES = 100;
export const MAX_STOP_STRINGS = 8;

/** Store ids (templates): opaque, URL-safe. */
const TemplateId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "is not a valid template id");

/** Run-time values of a template's variables: text, or an image by asset id. */
export const CellBindingsSchema = z
  .record(
    z.string().regex(VARIABLE_NAME, "must be a variable name like query_image"),
    z.union([z.string().max(MAX_TEXT_LENGTH), z.object({ assetId: z.string().regex(ASSET_ID, "must be a 64-character lowercase hex SHA-256") }).strict()]),
  )
  .default({});

export const TemplateRefPromptSchema = z
  .object({
    kind: z.literal("template"),
    templateId: TemplateId,
    /** A pinned version, or "latest" to follow the template's saves. */
    version: z.union([z.number().int().min(1), z.literal("latest")]).default("latest"),
    bindings: CellBindingsSchema,
  })
  .strict();

export const InlinePromptSchema = z
  .object({
    kind: z.literal("inline"),
    template: TemplateSchema,
    bindings: CellBindingsSchema,
  })
  .strict();

export const CellPromptSchema = z.discriminatedUnion("kind", [TemplateRefPromptSchema, InlinePromptSchema]);

export const RunParamsSchema = z
  .object({
    backend: z.enum(["webgpu", "wasm", "server"]).default("wasm"),
    /**
     * The registry engine to run on (an id from /api/engines). With `backend: "server"`: an engine
     * the server runs (a remote OpenAI-compatible engine, say); with a browser backend: a
     * transformers.js engine, run in the page's transformers.js worker. Absent: the bundled model.
     */
    engine: z.string().min(1).max(100).optional(),
    /** generate: stream an answer; rank: score the candidates by log-likelihood. */
    mode: z.enum(["generate", "rank"]).default("generate"),
    decoding: z.enum(["greedy", "sampling", "beam"]).default("greedy"),
    maxTokens: z.number().int().min(1).max(256).default(20),
    minTokens: z.number().int().min(0).max(256).default(0),
    temperature: z.number().min(0.01).max(5).default(0.7),
    topP: z.number().min(0.01).max(1).default(0.9),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(0),
    stop: z.array(z.string().min(1).max(64)).max(MAX_STOP_STRINGS).default([]),
    candidates: z.array(z.string().min(1).max(500)).max(MAX_CANDIDATES).default([]),
    trace: z.boolean().default(true),
  })
  .strict();

export const CellSchema = z
  .object({
    /** Stable inside the notebook: saved runs refer to it. */
    id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "must be letters, digits, _ or -"),
    title: z.string().max(200).default(""),
    prompt: CellPromptSchema,
    // prefault: an omitted object is parsed, so its fields' defaults apply.
    params: RunParamsSchema.prefault({}),
  })
  .strict();

export const NotebookSchema = z
  .object({
    formatVersion: z.literal(NOTEBOOK_FORMAT_VERSION, { error: `formatVersion must be ${NOTEBOOK_FORMAT_VERSION}` }),
    name: z.string().trim().min(1, "a notebook needs a name").max(120),
    description: z.string().max(2_000).default(""),
    cells: z.array(CellSchema).max(MAX_CELLS).default([]),
  })
  .strict()
  .superRefine((nb, ctx) => {
    // No NUL characters or unpaired surrogates in its text; an inline template checks its own.
    refuseUnsafeText({ ...nb, cells: nb.cells.map((c) => (c.prompt.kind === "inline" ? { ...c, prompt: { ...c.prompt, template: undefined } } : c)) }, ctx);
    const seen = new Set<string>();
    nb.cells.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: "custom", path: ["cells", i, "id"], message: `cell id "${c.id}" is used twice` });
      seen.add(c.id);
    });
  });

export type CellBindings = z.infer<typeof CellBindingsSchema>;
export type TemplateRefPrompt = z.infer<typeof TemplateRefPromptSchema>;
export type InlinePrompt = z.infer<typeof InlinePromptSchema>;
export type CellPrompt = z.infer<typeof CellPromptSchema>;
export type RunParams = z.infer<typeof RunParamsSchema>;
export type Cell = z.infer<typeof CellSchema>;
/** A parsed, defaults-filled notebook document. */
export type Notebook = z.infer<typeof NotebookSchema>;
export type NotebookInput = z.input<typeof NotebookSchema>;

export const DEFAULT_RUN_PARAMS: RunParams = RunParamsSchema.parse({});
