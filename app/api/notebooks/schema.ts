import { z } from "zod";
import { IdSchema } from "@/lib/http/params";

/** `document` is checked by the notebook format itself (lib/notebook), which reports JSON paths. */
export const CreateNotebookBody = z.object({
  libraryId: IdSchema,
  document: z.unknown(),
  message: z.string().trim().max(500).optional(),
});

export const NotebookListQuery = z.object({
  libraryId: IdSchema.optional(),
  search: z.string().max(200).optional(),
});

export const SaveNotebookVersionBody = z.object({
  document: z.unknown(),
  message: z.string().trim().max(500).optional(),
  /** The version the editor started from; a newer saved version makes this a conflict (409). */
  baseVersion: z.number().int().min(1).optional(),
});

export const RestoreNotebookBody = z.object({ message: z.string().trim().max(500).optional() });

export const CellRunQuery = z.object({
  cellId: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
