/** The version history shared by exported templates and notebooks. */
import { z } from "zod";

export const ExportedVersionSchema = z
  .object({
    version: z.number().int().min(1),
    message: z.string().max(2_000).nullable(),
    createdAt: z.iso.datetime(),
    /** Validated with the template or notebook format when imported (with field paths), so kept open here. */
    document: z.unknown(),
  })
  .strict();

/** At least one version, numbers increasing; `what` names the owner in the message ("template", "notebook"). */
export const exportedVersionsSchema = (what: string) =>
  z
    .array(ExportedVersionSchema)
    .min(1, `a ${what} needs at least one version`)
    .refine((vs) => vs.every((v, i) => i === 0 || v.version > vs[i - 1]!.version), "versions must be in increasing order");
