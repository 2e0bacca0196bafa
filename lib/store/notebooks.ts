/**
 * Notebooks: versioned exactly like templates (immutable versions, baseVersion guard, restore as
 * a new version), plus their saved cell runs (append-only).
 */
import "server-only";
import { heldInScope } from "./scope";
import { AppError, notFound } from "@/lib/errors";
import { describeIssues } from "@/lib/prompt";
import { imagesOf } from "@/lib/prompt/sequence";
import { notebookAssetIds, parseNotebook, templateIdsOf, type Notebook } from "@/lib/notebook";
import { db, type Tx } from "./db";
import { missingAssets } from "./assets";
import { TX_OPTIONS } from "./templates";
import { authorName, byName, lower, type VersionRow } from "./template-rows";
import type { CellRunDetail, NotebookDetail, NotebookQuery, NotebookSummary, NotebookVersionDetail, NotebookVersionSummary } from "./types";
import { isUniqueViolation, iso, latestStoredDocument, newId, parseStoredJson } from "./util";
import type { CellRunInput } from "./notebook-runs";
import { toCellRun, withRunAuthor } from "./notebook-runs";

export { type CellRunInput } from "./notebook-runs";

/** Parse a notebook document; problems become validation_failed (400) with JSON paths. */
export function parseNotebookDocument(document: unknown, where = "notebook document"): Notebook {
  const r = parseNotebook(document);
  if (r.ok) return r.notebook;
  throw new AppError("validation_failed", `Invalid ${where}: ${describeIssues(r.issues)}`, { details: r.issues });
}

const summaryInclude = {
  library: { select: { name: true } },
  versions: { orderBy: { version: "desc" }, take: 1, select: { document: true } },
  _count: { select: { runs: true } },
} as const;

interface NotebookRow {
  id: string;
  libraryId: string;
  library: { name: string };
  name: string;
  description: string;
  latestVersion: number;
  updatedAt: Date;
  versions: { document: string }[];
  _count: { runs: number };
}

function latestOf(row: NotebookRow): Notebook {
  return latestStoredDocument<Notebook>(row, "Notebook");
}

function toSummary(row: NotebookRow): NotebookSummary {
  return {
    id: row.id,
    libraryId: row.libraryId,
    libraryName: row.library.name,
    name: row.name,
    description: row.description,
    latestVersion: row.latestVersion,
    cellCount: latestOf(row).cells.length,
    runCount: row._count.runs,
    updatedAt: iso(row.updatedAt),
  };
}

const toVersionSummary = (v: VersionRow): NotebookVersionSummary => ({
  version: v.version,
  message: v.message,
  createdAt: iso(v.createdAt),
  createdBy: authorName(v),
});

const derived = (nb: Notebook) => ({ name: nb.name, description: nb.description, searchText: lower(`${nb.name}\n${nb.description}`) });

export async function listNotebooks(q: NotebookQuery = {}): Promise<NotebookSummary[]> {
  const search = q.search?.trim() ? lower(q.search.trim()) : undefined;
  // LIKE treats % and _ as wildcards: the database narrows by the plain pieces, the exact test runs here.
  const pieces = search ? search.split(/[%_\\]+/).filter(Boolean) : [];
  const rows = await db().notebook.findMany({
    where: { ...(q.libraryId ? { libraryId: q.libraryId } : {}), ...heldInScope(q.workspaces), AND: pieces.map((p) => ({ searchText: { contains: p } })) },
    include: summaryInclude,
  });
  return rows.filter((r) => !search || r.searchText.includes(search)).map(toSummary).sort(byName);
}

export async function getNotebook(id: string): Promise<NotebookDetail> {
  const row = await db().notebook.findUnique({
    where: { id },
    include: { ...summaryInclude, versions: { orderBy: { version: "desc" }, select: { version: true, message: true, createdAt: true, document: true, createdBy: { select: { name: true, email: true } } } } },
  });
  if (!row) throw notFound("Notebook", id);
  return { ...toSummary(row), document: latestOf(row), versions: row.versions.map(toVersionSummary) };
}

export async function getNotebookVersion(notebookId: string, version: number): Promise<NotebookVersionDetail> {
  const row = await db().notebookVersion.findUnique({ where: { notebookId_version: { notebookId, version } }, include: { createdBy: { select: { name: true, email: true } } } });
  if (!row) {
    const nb = await db().notebook.findUnique({ where: { id: notebookId }, select: { latestVersion: true } });
    if (!nb) throw notFound("Notebook", notebookId);
    throw new AppError("not_found", `Notebook "${notebookId}" has no version ${version} (its versions are 1 to ${nb.latestVersion})`);
  }
  return { ...toVersionSummary(row), notebookId, document: parseStoredJson<Notebook>(row.document) };
}

/** Templates and images a document refers to must exist: 422 naming each cell that points nowhere. */
export async function requireNotebookRefs(nb: Notebook, tx: Tx): Promise<void> {
  const templateIds = templateIdsOf(nb);
  const found = new Set((await tx.template.findMany({ where: { id: { in: templateIds } }, select: { id: true } })).map((t) => t.id));
  const details = nb.cells.flatMap((c, i) =>
    c.prompt.kind === "template" && !found.has(c.prompt.templateId)
      ? [{ path: ["cells", i, "prompt", "templateId"], message: `template ${c.prompt.templateId} does not exist` }]
      : [],
  );
  const missing = await missingAssets(notebookAssetIds(nb), tx);
  for (const id of missing) details.push({ path: ["cells"], message: `image ${id} is not stored; upload it first` });
  if (details.length > 0) throw new AppError("unprocessable", `The notebook refers to things that do not exist: ${details.map((d) => d.message).join("; ")}`, { details });
}

export interface CreateNotebookInput {
  libraryId: string;
  document: unknown;
  message?: string;
  /** Who made it (null in local mode). */
  createdById?: string | null;
}

export async function createNotebook(input: CreateNotebookInput): Promise<NotebookDetail> {
  const nb = parseNotebookDocument(input.document);
  const id = await db().$transaction((tx) => insertNotebook(tx, { libraryId: input.libraryId, createdById: input.createdById ?? null, versions: [{ version: 1, message: input.message ?? null, createdAt: new Date(), notebook: nb }] }), TX_OPTIONS);
  return getNotebook(id);
}

/** Inserts a notebook with its versions (one for a create; the whole history for an import). */
export async function insertNotebook(tx: Tx, args: { libraryId: string; createdById?: string | null; versions: { version: number; message: string | null; createdAt: Date; notebook: Notebook }[] }): Promise<string> {
  const library = await tx.library.findUnique({ where: { id: args.libraryId }, select: { name: true } });
  if (!library) throw notFound("Library", args.libraryId);
  const latest = args.versions[args.versions.length - 1]!;
  for (const v of args.versions) await requireNotebookRefs(v.notebook, tx);
  const id = newId();
  try {
    await tx.notebook.create({ data: { id, libraryId: args.libraryId, ...derived(latest.notebook), latestVersion: latest.version } });
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(latest.notebook.name, library.name, e);
    throw e;
  }
  await tx.notebookVersion.createMany({
    data: args.versions.map((v) => ({ id: newId(), notebookId: id, version: v.version, message: v.message, document: JSON.stringify(v.notebook), createdAt: v.createdAt, createdById: args.createdById ?? null })),
  });
  return id;
}

const nameTaken = (name: string, library: string, cause?: unknown) =>
  new AppError("conflict", `A notebook named "${name}" already exists in library "${library}"; rename it or choose another library`, {
    details: [{ path: ["name"], message: "already used in this library" }],
    cause,
  });

const staleEdit = (name: string, base: number, latest: number) =>
  new AppError("conflict", `"${name}" was saved by someone else since you opened version ${base} (latest is now ${latest}); reload it, reapply your changes and save again`, {
    details: [{ path: ["baseVersion"], message: `latest version is ${latest}` }],
  });

export interface SaveNotebookVersionInput {
  notebookId: string;
  document: unknown;
  message?: string;
  /** The version the editor started from; a save since then is a conflict (409). */
  baseVersion?: number;
  /** Who saved it (null in local mode). */
  createdById?: string | null;
}

export async function saveNotebookVersion(input: SaveNotebookVersionInput): Promise<NotebookDetail> {
  const nb = parseNotebookDocument(input.document);
  await db().$transaction(async (tx) => {
    const current = await tx.notebook.findUnique({ where: { id: input.notebookId }, include: { library: { select: { name: true } } } });
    if (!current) throw notFound("Notebook", input.notebookId);
    if (input.baseVersion !== undefined && input.baseVersion !== current.latestVersion) throw staleEdit(current.name, input.baseVersion, current.latestVersion);
    if (nb.name !== current.name) {
      const clash = await tx.notebook.findFirst({ where: { libraryId: current.libraryId, name: nb.name }, select: { id: true } });
      if (clash) throw nameTaken(nb.name, current.library.name);
    }
    await requireNotebookRefs(nb, tx);
    const next = current.latestVersion + 1;
    try {
      const updated = await tx.notebook.updateMany({ where: { id: current.id, latestVersion: current.latestVersion }, data: { ...derived(nb), latestVersion: next } });
      if (updated.count !== 1) throw staleEdit(current.name, input.baseVersion ?? current.latestVersion, next);
      await tx.notebookVersion.create({ data: { id: newId(), notebookId: current.id, version: next, message: input.message ?? null, document: JSON.stringify(nb), createdById: input.createdById ?? null } });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("conflict", `"${current.name}" changed while saving; reload it and save again`, { cause: e });
      throw e;
    }
  }, TX_OPTIONS);
  return getNotebook(input.notebookId);
}

/** Restoring never rewrites history: the old document becomes a new latest version. */
export async function restoreNotebookVersion(notebookId: string, version: number, message?: string, createdById: string | null = null): Promise<NotebookDetail> {
  const old = await getNotebookVersion(notebookId, version);
  return saveNotebookVersion({ notebookId, document: old.document, message: message?.trim() || `Restored version ${version}`, createdById });
}

export async function deleteNotebook(id: string): Promise<void> {
  const deleted = await db().notebook.deleteMany({ where: { id } });
  if (deleted.count === 0) throw notFound("Notebook", id);
}

// ---------------------------------------------------------------- runs

/** Saves a finished run of one cell, checked against the notebook version it ran from. */
export async function saveCellRun(notebookId: string, input: CellRunInput, createdById: string | null = null): Promise<CellRunDetail> {
  const version = await getNotebookVersion(notebookId, input.version);
  if (!version.document.cells.some((c) => c.id === input.cellId)) {
    throw new AppError("unprocessable", `Version ${input.version} of the notebook has no cell "${input.cellId}"; save the notebook, then save the run`, {
      details: [{ path: ["cellId"], message: `not a cell of version ${input.version}` }],
    });
  }
  const images = [...new Set(imagesOf(input.prompt))];
  const missing = await missingAssets(images, db());
  if (missing.length > 0) {
    throw new AppError("unprocessable", `The run's prompt uses images that are not stored: ${missing.join(", ")}`, {
      details: missing.map((m) => ({ path: ["prompt", "parts"], message: `image ${m} is not stored` })),
    });
  }
  const row = await db().cellRun.create({
    data: {
      id: newId(),
      notebookId,
      cellId: input.cellId,
      version: input.version,
      backend: input.backend,
      provider: input.provider,
      model: input.model,
      mode: input.output.mode,
      params: JSON.stringify(input.params),
      prompt: JSON.stringify(input.prompt),
      output: JSON.stringify(input.output),
      timings: JSON.stringify(input.timings),
      createdById,
      ...(input.createdAt ? { createdAt: input.createdAt } : {}),
    },
    include: withRunAuthor,
  });
  return toCellRun(row);
}

/** The notebook's saved runs, newest first; optionally one cell's only. */
export async function listCellRuns(notebookId: string, opts: { cellId?: string; limit?: number } = {}): Promise<CellRunDetail[]> {
  const exists = await db().notebook.findUnique({ where: { id: notebookId }, select: { id: true } });
  if (!exists) throw notFound("Notebook", notebookId);
  const rows = await db().cellRun.findMany({
    where: { notebookId, ...(opts.cellId ? { cellId: opts.cellId } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: opts.limit ?? 500,
    include: withRunAuthor,
  });
  return rows.map(toCellRun);
}
