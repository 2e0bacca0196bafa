/**
 * Check editor text as a template: JSON syntax first (jsonc-parser, strict
 * JSON), then parseTemplate. Every problem carries a text range, found by
 * walking the issue's JSON path in the parse tree, so the editor can mark the
 * right line. Pure and environment-neutral (unit-tested).
 */
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import { formatIssuePath, parseTemplate } from "@/lib/prompt/validate";
import type { Template } from "@/lib/prompt/schema";

export interface EditorIssue {
  kind: "syntax" | "template";
  message: string;
  /** "shots[0].answer", or "(document)"; absent for syntax errors. */
  path?: string;
  /** Character offsets into the text (end exclusive). */
  start: number;
  end: number;
}

export type Analysis = { ok: true; template: Template; issues: [] } | { ok: false; issues: EditorIssue[] };

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: "Unexpected character",
  InvalidNumberFormat: "Malformed number",
  PropertyNameExpected: "Expected a property name in double quotes",
  ValueExpected: "Expected a value",
  ColonExpected: "Expected a colon",
  CommaExpected: "Expected a comma",
  CloseBraceExpected: "Expected a closing }",
  CloseBracketExpected: "Expected a closing ]",
  EndOfFileExpected: "Unexpected text after the end of the document",
  InvalidCommentToken: "Comments are not allowed in JSON",
  UnexpectedEndOfComment: "Unterminated comment",
  UnexpectedEndOfString: "Unterminated string",
  UnexpectedEndOfNumber: "Unterminated number",
  InvalidUnicode: "Invalid unicode escape",
  InvalidEscapeCharacter: "Invalid escape character",
  InvalidCharacter: "Invalid character in a string",
};

export function analyze(text: string): Analysis {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !root) {
    const list = errors.length > 0 ? errors : [{ error: 4, offset: 0, length: 0 } as ParseError];
    return {
      ok: false,
      issues: list.map((e) => {
        const code = printParseErrorCode(e.error);
        return { kind: "syntax", message: SYNTAX_MESSAGES[code] ?? code, start: e.offset, end: e.offset + Math.max(1, e.length) };
      }),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, issues: [{ kind: "syntax", message: e instanceof Error ? e.message : "Invalid JSON", start: 0, end: 1 }] };
  }
  const result = parseTemplate(value);
  if (result.ok) return { ok: true, template: result.template, issues: [] };
  return {
    ok: false,
    issues: result.issues.map((i) => ({ kind: "template", message: i.message, path: formatIssuePath(i.path), ...rangeOfPath(root, i.path) })),
  };
}

/**
 * The text range for a JSON path: the value itself when it is a scalar; the
 * property key when it is an object or array (marking a whole shot is noise);
 * for a missing property, the key (or opening brace) of its nearest ancestor.
 */
export function rangeOfPath(root: Node, path: readonly (string | number)[]): { start: number; end: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, path.slice(0, n) as (string | number)[]);
    if (!node) continue;
    const exact = n === path.length;
    const key = node.parent?.type === "property" ? node.parent.children?.[0] : undefined;
    if (exact && node.type !== "object" && node.type !== "array") return { start: node.offset, end: node.offset + node.length };
    if (key) return { start: key.offset, end: key.offset + key.length };
    return { start: node.offset, end: node.offset + 1 };
  }
  return { start: 0, end: 1 };
}

/**
 * Problems the server named (the `details` of a 4xx) as editor issues at their
 * paths, so a dangling asset id is marked where it is written. Paths may be
 * relative to the document or start with "document" (the request body field).
 */
export function issuesAtPaths(text: string, details: readonly { path?: readonly (string | number)[]; message: string }[]): EditorIssue[] {
  const root = parseTree(text, [], { disallowComments: true });
  if (!root) return [];
  return details
    .filter((d) => d.path && d.path.length > 0)
    .map((d) => {
      const raw = d.path!.map((p) => (typeof p === "string" && /^\d+$/.test(p) ? Number(p) : p));
      const path = raw[0] === "document" ? raw.slice(1) : raw;
      return { kind: "template" as const, message: d.message, path: formatIssuePath(path), ...rangeOfPath(root, path) };
    });
}
