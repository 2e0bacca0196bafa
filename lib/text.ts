/**
 * Text from strangers: what a stored string may hold, and how text leaves the app as CSV.
 * Pure and browser-safe (forms may run the same checks).
 *
 * NUL characters and unpaired UTF-16 surrogates are refused in every string the API stores:
 * PostgreSQL text cannot hold NUL at all, and a lone surrogate has no UTF-8 form (drivers
 * silently turn it into U+FFFD), so the two databases would store different things — or one
 * would fail with a 500. `refuseUnsafeText` is the one zod check the schemas use; it reports
 * each bad string at its own path ("name: contains a NUL character").
 */
import type { z } from "zod";

export const NUL_MESSAGE = "contains a NUL character";
export const SURROGATE_MESSAGE = "contains an unpaired surrogate";

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `s` cannot be stored (NUL_MESSAGE or SURROGATE_MESSAGE), or null when it can. */
export function textProblem(s: string): string | null {
  if (s.includes("\u0000")) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(s)) return SURROGATE_MESSAGE;
  return null;
}

export interface TextIssue {
  path: (string | number)[];
  message: string;
}

/** Enough to say what is wrong; a file full of NULs must not make a megabyte of error details. */
const MAX_TEXT_ISSUES = 20;

/** Where a value sits: its key and its parent's place (a path is only spelt out for a value reported). */
interface Place {
  parent: Place | null;
  key: string | number;
}

function pathOf(place: Place | null, base: readonly (string | number)[]): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let p = place; p; p = p.parent) keys.push(p.key);
  return [...base, ...keys.reverse()];
}

/**
 * Every string in a JSON-like value (object keys too) that `textProblem` refuses, with its path.
 * Iterative and linear in the size of the value, so a deeply nested document can neither overflow
 * the stack nor take quadratic time.
 */
export function unsafeTextIssues(value: unknown, base: readonly (string | number)[] = []): TextIssue[] {
  const issues: TextIssue[] = [];
  const stack: { value: unknown; place: Place | null }[] = [{ value, place: null }];
  while (stack.length > 0 && issues.length < MAX_TEXT_ISSUES) {
    const { value: v, place } = stack.pop()!;
    if (typeof v === "string") {
      const problem = textProblem(v);
      if (problem) issues.push({ path: pathOf(place, base), message: problem });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], place: { parent: place, key: i } });
    } else if (typeof v === "object" && v !== null && !ArrayBuffer.isView(v) && !(v instanceof Date)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const problem = textProblem(key);
        if (problem) issues.push({ path: pathOf({ parent: place, key }, base), message: `its key ${problem}` });
        else stack.push({ value: child, place: { parent: place, key } });
      }
    }
  }
  return issues.slice(0, MAX_TEXT_ISSUES);
}

/**
 * The zod check every stored-text schema carries (`schema.superRefine(refuseUnsafeText)`): an
 * issue at the path of each string holding a NUL character or an unpaired surrogate.
 */
export function refuseUnsafeText(value: unknown, ctx: z.RefinementCtx): void {
  for (const issue of unsafeTextIssues(value)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input: value });
}

/** `schema`, also refusing NUL characters and unpaired surrogates anywhere in what it parses. */
export function safeText<S extends z.ZodType>(schema: S): S {
  return schema.superRefine(refuseUnsafeText) as S;
}

/** A plain decimal number written as text ("-0.74", "1e-3"): a spreadsheet reads it as a number, never a formula. */
const PLAIN_NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
/** What makes a spreadsheet treat a cell as a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled).
 * Strings — answers, questions, model outputs, names: anything a user or a model wrote — that a
 * spreadsheet would run as a formula (they start with =, +, -, @, a tab or a carriage return) get
 * a leading ' so they show as text. Numbers and booleans are written as they are (a score of
 * -0.74 stays a number), and so are strings that are plain decimal numbers.
 */
export function csvField(value: unknown): string {
  let s: string;
  if (value === null || value === undefined) s = "";
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") s = String(value);
  else {
    s = Array.isArray(value) ? value.map((v) => (v === null || v === undefined ? "" : String(v))).join(" ") : String(value);
    if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  }
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (without its line break). */
export function csvRow(values: readonly unknown[]): string {
  return values.map(csvField).join(",");
}
