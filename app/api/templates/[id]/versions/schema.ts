import { z } from "zod";

export const SaveVersionBody = z.object({
  document: z.unknown(),
  message: z.string().trim().max(500).optional(),
  /** The version the editor started from; a newer saved version makes this a conflict (409). */
  baseVersion: z.number().int().min(1).optional(),
});

export const RestoreBody = z.object({ message: z.string().trim().max(500).optional() });
