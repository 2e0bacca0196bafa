/**
 * The editor keeps ONE document; the Composer and the Monaco source are two
 * views of it. These pure helpers connect them: reading source text into a
 * document the composer can show, and turning a composer edit into the
 * smallest text edit for Monaco (so cursor, scroll and undo survive).
 */
import { parseTree, type ParseError } from "jsonc-parser";
import { TemplateSchema } from "@/lib/prompt/schema";
import type { Doc } from "@/components/composer/document-ops";

export type SourceRead = { ok: true; doc: Doc } | { ok: false; line: number; message: string };

export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Source text -> a document the composer can draw: strict JSON that fits the
 * template schema. Semantic problems (an undeclared variable) do not stop the
 * composer; they are listed as issues and block saving. Anything else keeps
 * the composer on its last good document.
 */
export function readSource(text: string): SourceRead {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !root) {
    const at = errors[0]?.offset ?? 0;
    return { ok: false, line: lineOfOffset(text, at), message: "the JSON does not parse" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, line: 1, message: "the JSON does not parse" };
  }
  const parsed = TemplateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).filter((p): p is string | number => typeof p !== "symbol");
    return { ok: false, line: lineOfPath(text, path), message: `${path.length ? path.join(".") + ": " : ""}${issue?.message ?? "not a template"}` };
  }
  return { ok: true, doc: value as Doc };
}

function lineOfPath(text: string, path: (string | number)[]): number {
  const root = parseTree(text);
  if (!root) return 1;
  // Walk down as far as the path exists.
  let node = root;
  for (const seg of path) {
    const next =
      node.type === "object"
        ? node.children?.find((p) => p.children?.[0]?.value === seg)?.children?.[1]
        : node.type === "array" && typeof seg === "number"
          ? node.children?.[seg]
          : undefined;
    if (!next) break;
    node = next;
  }
  return lineOfOffset(text, node.offset);
}

export { toSource } from "./starter";

/** The one range that differs between two texts: replace [start, end) of `before` with `text`. */
export function minimalEdit(before: string, after: string): { start: number; end: number; text: string } | null {
  if (before === after) return null;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB--;
    endA--;
  }
  return { start, end: endB, text: after.slice(start, endA) };
}
