/** Template documents that cells use, keyed by template and version (shared by the server page and the client). */
import type { Template } from "@/lib/prompt/schema";

/** A library template as a cell uses it: the pinned version's document, or the latest. */
export type ResolvedTemplate =
  | { status: "ready"; template: Template; version: number; latestVersion: number; name: string }
  | { status: "loading" }
  | { status: "error"; error: unknown };

export type TemplateDocs = Record<string, ResolvedTemplate>;

export const refKey = (templateId: string, version: number | "latest") => `${templateId}@${version}`;
