import { z } from "zod";
import { CellRunRecordSchema } from "@/lib/notebook/run-record";
import { IdSchema } from "@/lib/http/params";
import { safeText } from "@/lib/text";

/** `document` is checked by the notebook format itself (lib/notebook), which reports JSON paths. */
export const CreateNotebookBody = safeText(
  z.object({
    libraryId: IdSchema,
    document: z.unknown(),
    message: z.string().trim().max(500).optional(),
  }),
);

export const NotebookListQuery = z.object({
  libraryId: IdSchema.optional(),
  search: z.string().max(200).optional(),
});

export const SaveNotebookVersionBody = safeText(
  z.object({
    document: z.unknown(),
    message: z.string().trim().max(500).optional(),
    /** The version the editor started from; a newer saved version makes this a conflict (409). */
    baseVersion: z.number().int().min(1).optional(),
  }),
);

export const RestoreNotebookBody = safeText(z.object({ message: z.string().trim().max(500).optional() }));

/** A saved run: the run-record format, with no NUL characters or unpaired surrogates in its text. */
export const SaveCellRunBody = safeText(CellRunRecordSchema);

export const CellRunQuery = z.object({
  cellId: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
