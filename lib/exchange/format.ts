/**
 * The library export file: one JSON document with a library's templates and
 * notebooks, all their versions (and the notebooks' saved runs), and every
 * image they use (base64). Format 1 (templates only) is still read. Bump
 * LIBRARY_FORMAT_VERSION on any change an older reader could misread; older
 * readers refuse newer files with an "upgrade" message instead of guessing.
 *
 * Not carried (they are per-database): ids, the library's kind and timestamps
 * other than each version's createdAt. Fork links are kept only as the source's
 * library/template name and version, for display; they are not re-linked.
 *
 * An image's mediaType, width and height describe it for readers; an import
 * never trusts them: it sniffs the type from the bytes and measures the image
 * as an upload is (lib/assets), and stores what it found.
 */
import { z } from "zod";
import { ASSET_ID, TemplateSchema } from "@/lib/prompt/schema";
import { unsafeTextIssues } from "@/lib/text";
import { ExportedNotebookSchema } from "./notebooks";
import { exportedVersionsSchema } from "./versions";

export const LIBRARY_FILE_FORMAT = "flamingo-studio.library";
/** 2: notebooks. Files of every version up to this one import. */
export const LIBRARY_FORMAT_VERSION = 2;

export const ExportedTemplateSchema = z
  .object({
    name: z.string().min(1).max(120),
    forkedFrom: z.object({ library: z.string(), template: z.string(), version: z.number().int().min(1) }).strict().nullable().default(null),
    versions: exportedVersionsSchema("template"),
  })
  .strict();

export const ExportedAssetSchema = z
  .object({
    id: z.string().regex(ASSET_ID, "must be a 64-character lowercase hex SHA-256"),
    mediaType: z.enum(["image/png", "image/jpeg", "image/webp", "image/gif"]),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    dataBase64: z.base64(),
  })
  .strict();

const fileFields = {
  format: z.literal(LIBRARY_FILE_FORMAT, { error: `not a Flamingo Studio library file (format must be "${LIBRARY_FILE_FORMAT}")` }),
  exportedAt: z.iso.datetime(),
  library: z.object({ name: z.string().trim().min(1).max(120), description: z.string().max(2_000).default("") }).strict(),
  templates: z.array(ExportedTemplateSchema).max(10_000),
  assets: z.array(ExportedAssetSchema).max(100_000),
};

/** Format 1: templates only; read as a file with no notebooks. */
const LibraryFileV1Schema = z.object({ ...fileFields, formatVersion: z.literal(1) }).strict();

const LibraryFileV2Schema = z
  .object({ ...fileFields, formatVersion: z.literal(LIBRARY_FORMAT_VERSION), notebooks: z.array(ExportedNotebookSchema).max(10_000).default([]) })
  .strict();

/** A newer formatVersion is reported on its own, before any field it may have changed. */
export const LibraryFileSchema = z.unknown().transform((input, ctx): z.output<typeof LibraryFileV2Schema> => {
  const v = typeof input === "object" && input !== null ? (input as { formatVersion?: unknown }).formatVersion : undefined;
  if (typeof v === "number" && v > LIBRARY_FORMAT_VERSION) {
    ctx.addIssue({
      code: "custom",
      path: ["formatVersion"],
      message: `this library file uses format version ${v}, newer than this Flamingo Studio understands (${LIBRARY_FORMAT_VERSION}); upgrade the app to import it`,
    });
    return z.NEVER;
  }
  const parsed = v === 1 ? LibraryFileV1Schema.safeParse(input) : LibraryFileV2Schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: "custom", path: issue.path, message: issue.message });
    return z.NEVER;
  }
  // No NUL characters or unpaired surrogates anywhere: names, messages, documents, runs (lib/text.ts).
  const unsafe = unsafeTextIssues(parsed.data);
  if (unsafe.length > 0) {
    for (const issue of unsafe) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return { notebooks: [], ...parsed.data, formatVersion: LIBRARY_FORMAT_VERSION };
});

export type LibraryFile = z.output<typeof LibraryFileSchema>;
export type ExportedTemplate = z.output<typeof ExportedTemplateSchema>;
export type ExportedAsset = z.output<typeof ExportedAssetSchema>;
export type { ExportedNotebook, ExportedCellRun } from "./notebooks";

/** Re-exported so readers of this module see which template format the documents use. */
export { TemplateSchema };
