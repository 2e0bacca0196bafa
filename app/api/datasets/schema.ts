import { z } from "zod";
import { IdSchema } from "@/lib/http/params";
import { DATASET_TASKS } from "@/lib/store/datasets";
import { safeText } from "@/lib/text";

export const DatasetListQuery = z.object({ libraryId: IdSchema.optional() });

const optionalNumber = (schema: z.ZodNumber) => z.preprocess((v) => (v === "" || v === null ? undefined : v), z.coerce.number().pipe(schema).optional());

/** The text fields of the multipart import form (files travel as "file", their relative paths as "path"). */
export const ImportFields = safeText(z.object({
  name: z.string().trim().min(1, "give the dataset a name").max(200),
  description: z.string().trim().max(2000).optional(),
  libraryId: IdSchema.optional(),
  task: z.enum(DATASET_TASKS as [string, ...string[]]).optional(),
  manifest: z.string().trim().max(500).optional(),
  evalFraction: optionalNumber(z.number().gt(0, "must be more than 0").lt(1, "must be less than 1")),
  evalCount: optionalNumber(z.number().int("must be a whole number").min(1)),
  seed: optionalNumber(z.number().int("must be a whole number").min(0).max(2 ** 31 - 1)),
}));

export const PatchDatasetBody = safeText(
  z
    .object({ name: z.string().max(200).optional(), description: z.string().max(2000).optional() })
    .refine((b) => b.name !== undefined || b.description !== undefined, "send a name or a description"),
);

export const ItemsQuery = z.object({
  split: z.enum(["pool", "eval"]).optional(),
  answer: z.string().max(500).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
