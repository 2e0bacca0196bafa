import "server-only";
import { AppError, notFound } from "@/lib/errors";
import { assetIdsInJson, deleteUnusedAssets } from "./assets";
import { db, type Tx } from "./db";
import { byName } from "./template-rows";
import { libraryInScope, type WorkspaceScope } from "./scope";
import type { LibraryKind, LibrarySummary } from "./types";
import { iso, isUniqueViolation, newId } from "./util";

export const DEFAULT_LIBRARY_NAME = "My library";
/** The workspace of local mode (and of the first account in a shared deployment); see lib/auth/caller.ts. */
const LOCAL_WORKSPACE = "local";

interface LibraryRow {
  id: string;
  workspaceId: string;
  name: string;
  description: string;
  kind: string;
  createdAt: Date;
  updatedAt: Date;
  _count: { templates: number };
}

const withCount = { _count: { select: { templates: true } } } as const;

function toSummary(row: LibraryRow): LibrarySummary {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    description: row.description,
    kind: row.kind === "examples" ? "examples" : "user",
    templateCount: row._count.templates,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** User libraries first, then examples; by name within each (sorted here: collations differ between providers). */
export async function listLibraries(q: { workspaces?: WorkspaceScope } = {}): Promise<LibrarySummary[]> {
  const rows = await db().library.findMany({ where: libraryInScope(q.workspaces), include: withCount });
  return rows
    .map(toSummary)
    .sort((a, b) => (a.kind === b.kind ? byName(a, b) : a.kind === "user" ? -1 : 1));
}

export async function getLibrary(id: string): Promise<LibrarySummary> {
  const row = await db().library.findUnique({ where: { id }, include: withCount });
  if (!row) throw notFound("Library", id);
  return toSummary(row);
}

/** The library named `name` in a workspace (Examples lives in the local workspace). */
export async function findLibraryByName(name: string, workspaceId: string = LOCAL_WORKSPACE): Promise<LibrarySummary | null> {
  const row = await db().library.findUnique({ where: { workspaceId_name: { workspaceId, name } }, include: withCount });
  return row ? toSummary(row) : null;
}

export interface CreateLibraryInput {
  name: string;
  description?: string;
  kind?: LibraryKind;
  /** Default: the local workspace. */
  workspaceId?: string;
}

export async function createLibrary(input: CreateLibraryInput): Promise<LibrarySummary> {
  const name = input.name.trim();
  if (!name) throw new AppError("validation_failed", "A library needs a name", { details: [{ path: ["name"], message: "must not be empty" }] });
  try {
    const row = await db().library.create({
      data: { id: newId(), workspaceId: input.workspaceId ?? LOCAL_WORKSPACE, name, description: input.description?.trim() ?? "", kind: input.kind ?? "user" },
      include: withCount,
    });
    return toSummary(row);
  } catch (e) {
    if (isUniqueViolation(e)) throw libraryNameTaken(name, e);
    throw e;
  }
}

export const libraryNameTaken = (name: string, cause?: unknown) =>
  new AppError("conflict", `A library named "${name}" already exists; choose another name`, {
    details: [{ path: ["name"], message: "already taken" }],
    cause,
  });

/** A workspace's default library; created on first call, found afterwards (also when two calls race). */
export async function ensureDefaultLibrary(workspaceId: string = LOCAL_WORKSPACE): Promise<LibrarySummary> {
  const existing = await findLibraryByName(DEFAULT_LIBRARY_NAME, workspaceId);
  if (existing) return existing;
  try {
    return await createLibrary({ name: DEFAULT_LIBRARY_NAME, description: "Your templates.", kind: "user", workspaceId });
  } catch (e) {
    const raced = await findLibraryByName(DEFAULT_LIBRARY_NAME, workspaceId);
    if (raced) return raced;
    throw e;
  }
}

/** Interactive transactions default to 5 s; a library with its datasets and their images may take longer. */
const DELETE_TX = { timeout: 120_000, maxWait: 15_000 } as const;

/**
 * Deletes a user library with everything in it, all or nothing: its templates (with their versions),
 * notebooks (versions and saved runs), datasets (items) and the sweeps run on them, and then the
 * images that nothing else uses any more — in the same transaction, so no orphan is left. Forks of
 * its templates in other libraries keep their copy and lose the link. The Examples library is
 * read-only: 409.
 */
export async function deleteLibrary(id: string): Promise<{ deletedAssets: number }> {
  return db().$transaction(async (tx) => {
    const library = await tx.library.findUnique({ where: { id }, select: { name: true, kind: true } });
    if (!library) throw notFound("Library", id);
    if (library.kind === "examples") {
      throw new AppError("conflict", `"${library.name}" is the read-only examples library and cannot be deleted: fork it to change it (fork its templates into one of your libraries)`);
    }
    const images = await libraryAssetIds(tx, id);
    await tx.library.delete({ where: { id } }); // cascades: templates, notebooks, datasets → versions, runs, items, sweeps, results
    const deleted = await deleteUnusedAssets(images, tx);
    return { deletedAssets: deleted.length };
  }, DELETE_TX);
}

/** Every image the library's templates, notebooks (and their runs), datasets and sweeps refer to. */
async function libraryAssetIds(tx: Tx, libraryId: string): Promise<string[]> {
  const ids = new Set<string>();
  const add = (text: string) => assetIdsInJson(text).forEach((a) => ids.add(a));
  (await tx.templateVersion.findMany({ where: { template: { libraryId } }, select: { document: true } })).forEach((v) => add(v.document));
  (await tx.notebookVersion.findMany({ where: { notebook: { libraryId } }, select: { document: true } })).forEach((v) => add(v.document));
  (await tx.cellRun.findMany({ where: { notebook: { libraryId } }, select: { prompt: true } })).forEach((r) => add(r.prompt));
  (await tx.sweep.findMany({ where: { dataset: { libraryId } }, select: { config: true } })).forEach((s) => add(s.config));
  (await tx.datasetItem.findMany({ where: { dataset: { libraryId } }, select: { assetId: true }, distinct: ["assetId"] })).forEach((i) => ids.add(i.assetId));
  return [...ids];
}
