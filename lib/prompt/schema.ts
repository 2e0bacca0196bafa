/**
 * THE prompt-template format. One zod schema, used by the database, the API,
 * import/export, the composer and the runtime. Bump TEMPLATE_FORMAT_VERSION on
 * any change that an older reader could misread.
 *
 * A template is modelled on the Flamingo / OpenFlamingo prompt formats:
 *   shots:  <image>Output:{answer}<|endofchunk|>   (support examples, answer given)
 *   query:  <image>Output:                          (the model writes the answer)
 * joined by `separator` ("\n" in the paper's evaluation code).
 */
import { z } from "zod";
import { refuseUnsafeText } from "@/lib/text";

export const TEMPLATE_FORMAT_VERSION = 1;

/** `{{name}}`: letters, digits and underscores, starting with a letter or underscore. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Assets are content-addressed: the lowercase hex SHA-256 of their bytes. */
export const ASSET_ID = /^[0-9a-f]{64}$/;

export const MAX_BLOCKS_PER_CHUNK = 64;
export const MAX_SHOTS = 64;
export const MAX_TEXT_LENGTH = 20_000;

const blockId = z.string().min(1).max(64).optional();

export const TextBlockSchema = z
  .object({
    id: blockId,
    type: z.literal("text"),
    /** Literal text; `{{variable}}` placeholders are filled at render time. */
    text: z.string().max(MAX_TEXT_LENGTH),
  })
  .strict();

export const ImageSourceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("asset"), assetId: z.string().regex(ASSET_ID, "must be a 64-character lowercase hex SHA-256") }).strict(),
  z.object({ kind: z.literal("variable"), name: z.string().regex(VARIABLE_NAME, "must be a variable name like query_image") }).strict(),
]);

export const ImageBlockSchema = z
  .object({
    id: blockId,
    type: z.literal("image"),
    source: ImageSourceSchema,
    /** Alt text shown in the UI; never sent to the model. */
    alt: z.string().max(500).optional(),
  })
  .strict();

export const BlockSchema = z.discriminatedUnion("type", [TextBlockSchema, ImageBlockSchema]);

export const ShotSchema = z
  .object({
    id: blockId,
    /** The shot's interleaved images and text, e.g. [image, "Output:"]. */
    blocks: z.array(BlockSchema).min(1).max(MAX_BLOCKS_PER_CHUNK),
    /** The demonstrated answer; rendered after the blocks and closed by <|endofchunk|>. */
    answer: z.string().max(MAX_TEXT_LENGTH),
  })
  .strict();

export const QuerySchema = z
  .object({
    /** The query's blocks; the model continues after the last one. */
    blocks: z.array(BlockSchema).min(1).max(MAX_BLOCKS_PER_CHUNK),
  })
  .strict();

export const VariableSchema = z
  .object({
    name: z.string().regex(VARIABLE_NAME, "must be a variable name like question"),
    kind: z.enum(["text", "image"]),
    description: z.string().max(500).optional(),
    /** Text variables only: used when no binding is given. */
    default: z.string().max(MAX_TEXT_LENGTH).optional(),
  })
  .strict();

export const TemplateSchema = z
  .object({
    formatVersion: z.literal(TEMPLATE_FORMAT_VERSION, {
      error: `formatVersion must be ${TEMPLATE_FORMAT_VERSION}`,
    }),
    name: z.string().trim().min(1, "a template needs a name").max(120),
    description: z.string().max(2_000).default(""),
    tags: z.array(z.string().trim().min(1).max(40)).max(20).default([]),
    variables: z.array(VariableSchema).max(32).default([]),
    /** Optional text/images placed before the first shot (an instruction, say). */
    preamble: z.array(BlockSchema).max(MAX_BLOCKS_PER_CHUNK).default([]),
    shots: z.array(ShotSchema).max(MAX_SHOTS).default([]),
    query: QuerySchema,
    /** Placed between chunks (after each <|endofchunk|>). */
    separator: z.string().max(16).default("\n"),
  })
  .strict()
  // No NUL characters or unpaired surrogates in any of its text (lib/text.ts).
  .superRefine(refuseUnsafeText);

export type TextBlock = z.infer<typeof TextBlockSchema>;
export type ImageBlock = z.infer<typeof ImageBlockSchema>;
export type ImageSource = z.infer<typeof ImageSourceSchema>;
export type Block = z.infer<typeof BlockSchema>;
export type Shot = z.infer<typeof ShotSchema>;
export type Query = z.infer<typeof QuerySchema>;
export type Variable = z.infer<typeof VariableSchema>;
/** A parsed, defaults-filled template document. */
export type Template = z.infer<typeof TemplateSchema>;
/** What a user may write (defaults optional). */
export type TemplateInput = z.input<typeof TemplateSchema>;
