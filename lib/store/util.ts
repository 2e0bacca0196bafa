/** Small helpers shared by the domain modules. */
import "server-only";
import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/errors";
import { describeIssues, parseTemplate, type Template } from "@/lib/prompt";

/** Ids are made here, not by the database, so both providers produce the same kind. */
export const newId = (): string => randomUUID();

export const iso = (d: Date): string => d.toISOString();

/** Prisma's unique-constraint violation (P2002), from either generated client. */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "P2002";
}

/** Parse a document with the template format; problems become validation_failed with field paths. */
export function parseDocument(document: unknown, where = "template document"): Template {
  const result = parseTemplate(document);
  if (result.ok) return result.template;
  throw new AppError("validation_failed", `Invalid ${where}: ${describeIssues(result.issues)}`, { details: result.issues });
}

export function parseStoredJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** The newest document of a row read with its versions newest first; `kind` ("Template", "Notebook") names it in the error. */
export function latestStoredDocument<T>(row: { id: string; versions: readonly { document: string }[] }, kind: string): T {
  const latest = row.versions[0];
  if (!latest) throw new Error(`${kind} ${row.id} has no versions`);
  return parseStoredJson<T>(latest.document);
}
