import "server-only";
import { AppError, notFound } from "@/lib/errors";
import type { Template } from "@/lib/prompt";
import { db, type Tx } from "./db";
import { requireAssets } from "./refs";
import { heldInScope } from "./scope";
import { byName, derivedColumns, latestDocument, lower, summaryInclude, toSummary, toVersionSummary } from "./template-rows";
import type { TemplateDetail, TemplateQuery, TemplateSummary, TemplateVersionDetail } from "./types";
import { isUniqueViolation, newId, parseDocument, parseStoredJson } from "./util";

/** Interactive transactions default to 5 s; a save with many image checks on a busy SQLite file may need longer. */
export const TX_OPTIONS = { timeout: 30_000, maxWait: 15_000 } as const;

export async function listTemplates(q: TemplateQuery = {}): Promise<TemplateSummary[]> {
  const search = q.search?.trim() ? lower(q.search.trim()) : undefined;
  const tag = q.tag?.trim() ? JSON.stringify(lower(q.tag.trim())) : undefined;
  // Prisma's `contains` becomes LIKE without escaping % and _, so the database
  // narrows by the wildcard-free pieces and the exact substring test runs here.
  const pieces = (s: string) => s.split(/[%_\\]+/).filter(Boolean).map((p) => ({ contains: p }));
  const rows = await db().template.findMany({
    where: {
      ...(q.libraryId ? { libraryId: q.libraryId } : {}),
      ...heldInScope(q.workspaces),
      AND: [
        ...(search ? pieces(search).map((c) => ({ searchText: c })) : []),
        ...(tag ? pieces(tag).map((c) => ({ tagKeys: c })) : []),
      ],
    },
    include: summaryInclude,
  });
  return rows
    .filter((r) => (!search || r.searchText.includes(search)) && (!tag || r.tagKeys.includes(tag)))
    .map(toSummary)
    .sort(byName);
}

export async function getTemplate(id: string): Promise<TemplateDetail> {
  const row = await db().template.findUnique({
    where: { id },
    include: { ...summaryInclude, versions: { orderBy: { version: "desc" }, select: { version: true, message: true, createdAt: true, document: true, createdBy: { select: { name: true, email: true } } } } },
  });
  if (!row) throw notFound("Template", id);
  return { ...toSummary(row), document: latestDocument(row), versions: row.versions.map(toVersionSummary) };
}

export async function getTemplateVersion(templateId: string, version: number): Promise<TemplateVersionDetail> {
  const row = await db().templateVersion.findUnique({ where: { templateId_version: { templateId, version } }, include: { createdBy: { select: { name: true, email: true } } } });
  if (!row) {
    const exists = await db().template.findUnique({ where: { id: templateId }, select: { latestVersion: true } });
    if (!exists) throw notFound("Template", templateId);
    throw new AppError("not_found", `Template "${templateId}" has no version ${version} (its versions are 1 to ${exists.latestVersion})`);
  }
  return { ...toVersionSummary(row), templateId, document: parseStoredJson<Template>(row.document) };
}

export interface CreateTemplateInput {
  libraryId: string;
  document: unknown;
  message?: string;
  /** Who made it (lib/auth's authorId; null in local mode). */
  createdById?: string | null;
}

export async function createTemplate(input: CreateTemplateInput): Promise<TemplateDetail> {
  const template = parseDocument(input.document);
  const id = await db().$transaction(async (tx) => {
    return insertTemplate(tx, { libraryId: input.libraryId, template, message: input.message ?? null, createdById: input.createdById ?? null });
  }, TX_OPTIONS);
  return getTemplate(id);
}

/** Inserts a template with its first version (or, for imports, given versions). Used by create, fork and import. */
export async function insertTemplate(
  tx: Tx,
  args: {
    libraryId: string;
    template: Template;
    message: string | null;
    forkedFrom?: { templateId: string; version: number } | null;
    createdById?: string | null;
    /** Import only: the full history to recreate; the last one is the latest. */
    versions?: { version: number; message: string | null; createdAt: Date; template: Template }[];
  },
): Promise<string> {
  const library = await tx.library.findUnique({ where: { id: args.libraryId }, select: { name: true } });
  if (!library) throw notFound("Library", args.libraryId);
  const versions = args.versions ?? [{ version: 1, message: args.message, createdAt: new Date(), template: args.template }];
  for (const v of versions) await requireAssets(v.template, tx, `Version ${v.version} of "${v.template.name}"`);
  const id = newId();
  try {
    await tx.template.create({
      data: {
        id,
        libraryId: args.libraryId,
        ...derivedColumns(args.template),
        latestVersion: versions[versions.length - 1]!.version,
        forkedFromTemplateId: args.forkedFrom?.templateId ?? null,
        forkedFromVersion: args.forkedFrom?.version ?? null,
      },
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(args.template.name, library.name, e);
    throw e;
  }
  await tx.templateVersion.createMany({
    data: versions.map((v) => ({ id: newId(), templateId: id, version: v.version, message: v.message, document: JSON.stringify(v.template), createdAt: v.createdAt, createdById: args.createdById ?? null })),
  });
  return id;
}

const nameTaken = (name: string, library: string, cause?: unknown) =>
  new AppError("conflict", `A template named "${name}" already exists in library "${library}"; rename it or choose another library`, {
    details: [{ path: ["name"], message: "already used in this library" }],
    cause,
  });

export interface SaveVersionInput {
  templateId: string;
  document: unknown;
  message?: string;
  /** The version the editor started from; if another save came since, this is a conflict. */
  baseVersion?: number;
  /** Who saved it (null in local mode). */
  createdById?: string | null;
}

/** Every save is a new immutable version (latest + 1). */
export async function saveTemplateVersion(input: SaveVersionInput): Promise<TemplateDetail> {
  const template = parseDocument(input.document);
  await db().$transaction((tx) => appendVersion(tx, input.templateId, template, input.message ?? null, input.baseVersion, input.createdById ?? null), TX_OPTIONS);
  return getTemplate(input.templateId);
}

async function appendVersion(tx: Tx, templateId: string, template: Template, message: string | null, baseVersion: number | undefined, createdById: string | null): Promise<void> {
  const current = await tx.template.findUnique({ where: { id: templateId }, include: { library: { select: { name: true } } } });
  if (!current) throw notFound("Template", templateId);
  if (baseVersion !== undefined && baseVersion !== current.latestVersion) {
    throw staleEdit(current.name, baseVersion, current.latestVersion);
  }
  if (template.name !== current.name) {
    // Checked before writing: after a failed statement PostgreSQL refuses further queries in the transaction.
    const clash = await tx.template.findFirst({ where: { libraryId: current.libraryId, name: template.name }, select: { id: true } });
    if (clash) throw nameTaken(template.name, current.library.name);
  }
  await requireAssets(template, tx);
  const next = current.latestVersion + 1;
  try {
    // Guarded by the version we read: a concurrent save makes this match nothing instead of skipping a number.
    const updated = await tx.template.updateMany({
      where: { id: templateId, latestVersion: current.latestVersion },
      data: { ...derivedColumns(template), latestVersion: next },
    });
    if (updated.count !== 1) throw staleEdit(current.name, baseVersion ?? current.latestVersion, current.latestVersion + 1);
    await tx.templateVersion.create({ data: { id: newId(), templateId, version: next, message, document: JSON.stringify(template), createdById } });
  } catch (e) {
    // A concurrent save or rename won the race.
    if (isUniqueViolation(e)) throw new AppError("conflict", `"${current.name}" changed while saving; reload it and save again`, { cause: e });
    throw e;
  }
}

const staleEdit = (name: string, base: number, latest: number) =>
  new AppError(
    "conflict",
    `"${name}" was saved by someone else since you opened version ${base} (latest is now ${latest}); reload it, reapply your changes and save again`,
    { details: [{ path: ["baseVersion"], message: `latest version is ${latest}` }] },
  );

/** Restoring never rewrites history: the old document becomes a new latest version. */
export async function restoreTemplateVersion(templateId: string, version: number, message?: string, createdById: string | null = null): Promise<TemplateDetail> {
  const old = await getTemplateVersion(templateId, version);
  return saveTemplateVersion({ templateId, document: old.document, message: message?.trim() || `Restored version ${version}`, createdById });
}

export interface ForkTemplateInput {
  templateId: string;
  libraryId: string;
  /** A new name for the copy; needed when the target library already has one with the source's name. */
  name?: string;
  createdById?: string | null;
}

/** Copies the latest document as version 1 of a new template that links back to its source. */
export async function forkTemplate(input: ForkTemplateInput): Promise<TemplateDetail> {
  const source = await getTemplate(input.templateId);
  const name = input.name?.trim();
  const template = parseDocument(name ? { ...source.document, name } : source.document);
  const id = await db().$transaction(
    (tx) =>
      insertTemplate(tx, {
        libraryId: input.libraryId,
        template,
        message: `Forked from "${source.name}" version ${source.latestVersion} in "${source.libraryName}"`,
        forkedFrom: { templateId: source.id, version: source.latestVersion },
        createdById: input.createdById ?? null,
      }),
    TX_OPTIONS,
  );
  return getTemplate(id);
}

/** Deletes a template and its versions; forks keep their copy and lose the link. */
export async function deleteTemplate(id: string): Promise<void> {
  const deleted = await db().template.deleteMany({ where: { id } });
  if (deleted.count === 0) throw notFound("Template", id);
}
