/**
 * Parse and check a template document: the zod schema first, then the rules a
 * schema cannot express (variables declared before use, kinds matching).
 * Every problem comes back with the JSON path it lives at, so editors can
 * point at the right line.
 */
import { TEMPLATE_FORMAT_VERSION, TemplateSchema, type Block, type Template } from "./schema";
import { variablesInText } from "./variables";

export interface TemplateIssue {
  /** JSON path, e.g. ["shots", 2, "blocks", 0, "text"]. */
  path: (string | number)[];
  message: string;
}

export type TemplateParseResult =
  | { ok: true; template: Template }
  | { ok: false; issues: TemplateIssue[] };

export function formatIssuePath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "(document)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

export function describeIssues(issues: readonly TemplateIssue[]): string {
  return issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`).join("; ");
}

export function parseTemplate(input: unknown): TemplateParseResult {
  const newer = newerFormatIssue(input);
  if (newer) return { ok: false, issues: [newer] };
  const parsed = TemplateSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({
        path: i.path.filter((p): p is string | number => typeof p !== "symbol"),
        message: i.message,
      })),
    };
  }
  const issues = semanticIssues(parsed.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, template: parsed.data };
}

function newerFormatIssue(input: unknown): TemplateIssue | null {
  if (typeof input !== "object" || input === null) return null;
  const v = (input as { formatVersion?: unknown }).formatVersion;
  if (typeof v === "number" && v > TEMPLATE_FORMAT_VERSION) {
    return {
      path: ["formatVersion"],
      message: `this template uses format version ${v}, newer than this Flamingo Studio understands (${TEMPLATE_FORMAT_VERSION}); upgrade the app to open it`,
    };
  }
  return null;
}

function semanticIssues(t: Template): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const kinds = new Map<string, "text" | "image">();
  t.variables.forEach((v, i) => {
    if (kinds.has(v.name)) issues.push({ path: ["variables", i, "name"], message: `variable "${v.name}" is declared twice` });
    kinds.set(v.name, v.kind);
    if (v.kind === "image" && v.default !== undefined) {
      issues.push({ path: ["variables", i, "default"], message: "image variables cannot have a text default" });
    }
  });

  const checkBlocks = (blocks: Block[], base: (string | number)[]) => {
    blocks.forEach((b, i) => {
      if (b.type === "text") {
        for (const name of variablesInText(b.text)) {
          const kind = kinds.get(name);
          if (!kind) issues.push({ path: [...base, i, "text"], message: `variable "{{${name}}}" is used but not declared in "variables"` });
          else if (kind !== "text") issues.push({ path: [...base, i, "text"], message: `"{{${name}}}" is an image variable; place it in an image block, not in text` });
        }
      } else if (b.source.kind === "variable") {
        const kind = kinds.get(b.source.name);
        if (!kind) issues.push({ path: [...base, i, "source", "name"], message: `image variable "${b.source.name}" is used but not declared in "variables"` });
        else if (kind !== "image") issues.push({ path: [...base, i, "source", "name"], message: `"${b.source.name}" is a text variable; an image block needs an image variable` });
      }
    });
  };

  checkBlocks(t.preamble, ["preamble"]);
  t.shots.forEach((s, i) => {
    checkBlocks(s.blocks, ["shots", i, "blocks"]);
    for (const name of variablesInText(s.answer)) {
      if (kinds.get(name) !== "text") issues.push({ path: ["shots", i, "answer"], message: `variable "{{${name}}}" in an answer must be a declared text variable` });
    }
  });
  checkBlocks(t.query.blocks, ["query", "blocks"]);
  return issues;
}

/** Every asset id a template refers to, in order of first use. */
export function assetIdsOf(t: Template): string[] {
  const ids = new Set<string>();
  const visit = (blocks: Block[]) => {
    for (const b of blocks) if (b.type === "image" && b.source.kind === "asset") ids.add(b.source.assetId);
  };
  visit(t.preamble);
  t.shots.forEach((s) => visit(s.blocks));
  visit(t.query.blocks);
  return [...ids];
}
