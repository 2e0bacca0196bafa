/** Template rows <-> DTOs, and the derived columns kept in step with the document. */
import "server-only";
import type { Template } from "@/lib/prompt";
import { assetIdsOf } from "@/lib/prompt";
import type { TemplateSummary, TemplateVersionSummary } from "./types";
import { iso, latestStoredDocument, parseStoredJson } from "./util";

/** Include for a template row with what a summary needs (library name, latest document). */
export const summaryInclude = {
  library: { select: { name: true } },
  versions: { orderBy: { version: "desc" }, take: 1, select: { document: true } },
} as const;

export interface TemplateRow {
  id: string;
  libraryId: string;
  library: { name: string };
  name: string;
  description: string;
  tags: string;
  latestVersion: number;
  forkedFromTemplateId: string | null;
  forkedFromVersion: number | null;
  updatedAt: Date;
  versions: { document: string }[];
}

export function latestDocument(row: TemplateRow): Template {
  return latestStoredDocument<Template>(row, "Template");
}

export function toSummary(row: TemplateRow): TemplateSummary {
  return {
    id: row.id,
    libraryId: row.libraryId,
    libraryName: row.library.name,
    name: row.name,
    description: row.description,
    tags: parseStoredJson<string[]>(row.tags),
    latestVersion: row.latestVersion,
    previewAssetIds: assetIdsOf(latestDocument(row)),
    forkedFrom:
      row.forkedFromTemplateId !== null && row.forkedFromVersion !== null
        ? { templateId: row.forkedFromTemplateId, version: row.forkedFromVersion }
        : null,
    updatedAt: iso(row.updatedAt),
  };
}

/** A version row with its author (when the query selected `createdBy`). */
export interface VersionRow {
  version: number;
  message: string | null;
  createdAt: Date;
  createdBy?: { name: string; email: string } | null;
}

export const authorName = (v: VersionRow): string | null => (v.createdBy ? v.createdBy.name || v.createdBy.email : null);

export function toVersionSummary(v: VersionRow): TemplateVersionSummary {
  return { version: v.version, message: v.message, createdAt: iso(v.createdAt), createdBy: authorName(v) };
}

export const lower = (s: string): string => s.toLowerCase();

/** Columns derived from the document: what lists show and what search/tag filters match. */
export function derivedColumns(t: Template) {
  return {
    name: t.name,
    description: t.description,
    tags: JSON.stringify(t.tags),
    // Lowercased in JS on both providers, so matching never depends on a database's collation.
    searchText: lower([t.name, t.description, ...t.tags].join("\n")),
    tagKeys: JSON.stringify(t.tags.map(lower)),
  };
}

/** Stable, collation-independent order for lists: by name (case-insensitive), then id. */
export function byName<T extends { name: string; id: string }>(a: T, b: T): number {
  const an = lower(a.name);
  const bn = lower(b.name);
  return an < bn ? -1 : an > bn ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
