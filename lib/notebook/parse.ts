/**
 * Parse and check a notebook document: its zod schema, then each inline template with the
 * template format's own rules (variables declared before use). Every problem carries its JSON
 * path inside the notebook, e.g. ["cells", 2, "prompt", "template", "query", "blocks"].
 */
import { parseTemplate, type TemplateIssue } from "@/lib/prompt/validate";
import { NOTEBOOK_FORMAT_VERSION, NotebookSchema, type Notebook } from "./schema";

export type NotebookParseResult = { ok: true; notebook: Notebook } | { ok: false; issues: TemplateIssue[] };

export function parseNotebook(input: unknown): NotebookParseResult {
  const v = typeof input === "object" && input !== null ? (input as { formatVersion?: unknown }).formatVersion : undefined;
  if (typeof v === "number" && v > NOTEBOOK_FORMAT_VERSION) {
    return {
      ok: false,
      issues: [{ path: ["formatVersion"], message: `this notebook uses format version ${v}, newer than this Flamingo Studio understands (${NOTEBOOK_FORMAT_VERSION}); upgrade the app to open it` }],
    };
  }
  const parsed = NotebookSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path.filter((p): p is string | number => typeof p !== "symbol"), message: i.message })) };
  }
  const issues: TemplateIssue[] = [];
  parsed.data.cells.forEach((cell, i) => {
    if (cell.prompt.kind !== "inline") return;
    const r = parseTemplate(cell.prompt.template);
    if (!r.ok) issues.push(...r.issues.map((x) => ({ path: ["cells", i, "prompt", "template", ...x.path], message: x.message })));
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, notebook: parsed.data };
}
