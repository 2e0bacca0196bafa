import { z } from "zod";
import { IdSchema } from "@/lib/http/params";
import { safeText } from "@/lib/text";

/** `document` is checked by the template format itself (lib/prompt), which reports field paths. */
export const CreateTemplateBody = safeText(
  z.object({
    libraryId: IdSchema,
    document: z.unknown(),
    message: z.string().trim().max(500).optional(),
  }),
);

export const TemplateListQuery = z.object({
  libraryId: IdSchema.optional(),
  search: z.string().max(200).optional(),
  tag: z.string().max(40).optional(),
});
