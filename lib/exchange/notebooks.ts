/**
 * Notebooks in a library file. Store ids are per database, so a cell that uses a library template
 * names it instead: `{ kind: "template", template: { library, name }, version, bindings }` in place
 * of `templateId`. Import resolves the names back to ids (the file's own templates first).
 */
import { z } from "zod";
import { CellRunRecordSchema } from "@/lib/notebook/run-record";
import type { Notebook } from "@/lib/notebook/schema";
import { exportedVersionsSchema } from "./versions";

export const TemplateNameRefSchema = z.object({ library: z.string().min(1).max(120), name: z.string().min(1).max(120) }).strict();
export type TemplateNameRef = z.infer<typeof TemplateNameRefSchema>;

export const ExportedCellRunSchema = CellRunRecordSchema.extend({ createdAt: z.iso.datetime() }).strict();

export const ExportedNotebookSchema = z
  .object({
    name: z.string().min(1).max(120),
    /** Each document a portable notebook (template names in place of ids). */
    versions: exportedVersionsSchema("notebook"),
    /** Saved cell runs, oldest first. */
    runs: z.array(ExportedCellRunSchema).max(100_000).default([]),
  })
  .strict();

export type ExportedNotebook = z.output<typeof ExportedNotebookSchema>;
export type ExportedCellRun = z.output<typeof ExportedCellRunSchema>;

/** The document with template ids replaced by names (`names` must know every id it uses). */
export function toPortable(nb: Notebook, names: (templateId: string) => TemplateNameRef): unknown {
  return {
    ...nb,
    cells: nb.cells.map((c) => {
      if (c.prompt.kind !== "template") return c;
      const { templateId, ...rest } = c.prompt;
      return { ...c, prompt: { kind: rest.kind, template: names(templateId), version: rest.version, bindings: rest.bindings } };
    }),
  };
}

export interface PortableIssue {
  path: (string | number)[];
  message: string;
}

/**
 * A portable document back to the stored form: each `template: { library, name }` becomes the
 * `templateId` that `resolve` finds, or an issue at its path. Anything else is left for the
 * notebook format to judge.
 */
export function fromPortable(doc: unknown, resolve: (ref: TemplateNameRef) => string | undefined): { document: unknown; issues: PortableIssue[] } {
  const issues: PortableIssue[] = [];
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as { cells?: unknown }).cells)) return { document: doc, issues };
  const cells = ((doc as { cells: unknown[] }).cells).map((cell, i) => {
    const prompt = typeof cell === "object" && cell !== null ? (cell as { prompt?: unknown }).prompt : undefined;
    if (typeof prompt !== "object" || prompt === null || (prompt as { kind?: unknown }).kind !== "template") return cell;
    const { template, ...rest } = prompt as { template?: unknown };
    const ref = TemplateNameRefSchema.safeParse(template);
    if (!ref.success) {
      issues.push({ path: ["cells", i, "prompt", "template"], message: "must name a template as { library, name }" });
      return cell;
    }
    const templateId = resolve(ref.data);
    if (!templateId) {
      issues.push({ path: ["cells", i, "prompt", "template"], message: `template "${ref.data.name}" of library "${ref.data.library}" is neither in this file nor in this database` });
      return cell;
    }
    return { ...(cell as object), prompt: { ...rest, templateId } };
  });
  return { document: { ...(doc as object), cells }, issues };
}
