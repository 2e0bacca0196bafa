import { z } from "zod";
import { safeText } from "@/lib/text";

export const SaveVersionBody = safeText(
  z.object({
    document: z.unknown(),
    message: z.string().trim().max(500).optional(),
    /** The version the editor started from; a newer saved version makes this a conflict (409). */
    baseVersion: z.number().int().min(1).optional(),
  }),
);

export const RestoreBody = safeText(z.object({ message: z.string().trim().max(500).optional() }));
