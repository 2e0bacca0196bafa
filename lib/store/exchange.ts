/**
 * Library export/import in the format of lib/exchange/format.ts.
 *
 * Round trip: export -> import -> export gives the same file except
 * `exportedAt`, and fork links whose source template is not in the target
 * database (links are re-made by library and template name when the source is
 * there, e.g. a fork inside the same library).
 */
import "server-only";
import { AppError, isAppError, notFound } from "@/lib/errors";
import { LIBRARY_FILE_FORMAT, LIBRARY_FORMAT_VERSION, LibraryFileSchema, type ExportedAsset, type LibraryFile } from "@/lib/exchange/format";
import { assetIdsOf, parseTemplate, type Template } from "@/lib/prompt";
import { imagesOf } from "@/lib/prompt/sequence";
import { fromPortable, toPortable, type ExportedNotebook, type TemplateNameRef } from "@/lib/exchange/notebooks";
import { notebookAssetIds, parseNotebook, type Notebook } from "@/lib/notebook";
import type { CellRunRecord } from "@/lib/notebook/run-record";
import { insertNotebook } from "./notebooks";
import { db } from "./db";
import { getLibrary, libraryNameTaken } from "./libraries";
import { checkAssetInput, putAsset, sha256Hex, type AssetMediaType, type PutAssetInput } from "./assets";
import { byName } from "./template-rows";
import { TX_OPTIONS, insertTemplate } from "./templates";
import type { LibrarySummary } from "./types";
import { isUniqueViolation, newId, parseStoredJson } from "./util";

export async function exportLibrary(id: string): Promise<LibraryFile> {
  const library = await db().library.findUnique({
    where: { id },
    include: {
      templates: {
        include: {
          versions: { orderBy: { version: "asc" } },
          forkedFrom: { select: { name: true, library: { select: { name: true } } } },
        },
      },
    },
  });
  if (!library) throw notFound("Library", id);

  const templates = [...library.templates].sort(byName).map((t) => ({
    name: t.name,
    forkedFrom:
      t.forkedFrom && t.forkedFromVersion !== null
        ? { library: t.forkedFrom.library.name, template: t.forkedFrom.name, version: t.forkedFromVersion }
        : null,
    versions: t.versions.map((v) => ({
      version: v.version,
      message: v.message,
      createdAt: v.createdAt.toISOString(),
      document: parseStoredJson<Template>(v.document) as unknown,
    })),
  }));

  const notebooks = await exportNotebooks(id);
  const assetIds = [
    ...new Set([
      ...templates.flatMap((t) => t.versions.flatMap((v) => assetIdsOf(v.document as Template))),
      ...notebooks.flatMap((n) => n.assetIds),
    ]),
  ].sort();
  const rows = await db().asset.findMany({ where: { id: { in: assetIds } }, orderBy: { id: "asc" } });
  const assets: ExportedAsset[] = rows.map((a) => ({
    id: a.id,
    mediaType: a.mediaType as ExportedAsset["mediaType"],
    width: a.width,
    height: a.height,
    dataBase64: Buffer.from(a.bytes).toString("base64"),
  }));

  return {
    format: LIBRARY_FILE_FORMAT,
    formatVersion: LIBRARY_FORMAT_VERSION,
    exportedAt: new Date().toISOString(),
    library: { name: library.name, description: library.description },
    templates,
    notebooks: notebooks.map((n) => n.notebook),
    assets,
  };
}

/** The library's notebooks, portable (templates by name), with their runs and the images they use. */
async function exportNotebooks(libraryId: string): Promise<{ notebook: ExportedNotebook; assetIds: string[] }[]> {
  const rows = await db().notebook.findMany({
    where: { libraryId },
    include: { versions: { orderBy: { version: "asc" } }, runs: true },
  });
  const withDocs = rows.map((r) => ({ ...r, docs: r.versions.map((v) => parseStoredJson<Notebook>(v.document)) }));
  const templateIds = [...new Set(withDocs.flatMap((r) => r.docs.flatMap((d) => d.cells.flatMap((c) => (c.prompt.kind === "template" ? [c.prompt.templateId] : [])))))];
  const refs = await db().template.findMany({ where: { id: { in: templateIds } }, select: { id: true, name: true, library: { select: { name: true } } } });
  const names = new Map(refs.map((t) => [t.id, { library: t.library.name, name: t.name }]));
  // A template deleted since keeps its id in old versions: it exports as a name that no longer resolves.
  const nameOf = (id: string): TemplateNameRef => names.get(id) ?? { library: "(deleted)", name: id };
  return withDocs.sort(byName).map((r) => {
    const runs = r.runs.map((run) => ({
      cellId: run.cellId,
      version: run.version,
      backend: run.backend as CellRunRecord["backend"],
      provider: run.provider,
      model: run.model,
      params: parseStoredJson<CellRunRecord["params"]>(run.params),
      prompt: parseStoredJson<CellRunRecord["prompt"]>(run.prompt),
      output: parseStoredJson<CellRunRecord["output"]>(run.output),
      timings: parseStoredJson<CellRunRecord["timings"]>(run.timings),
      createdAt: run.createdAt.toISOString(),
    }));
    // Ids differ between databases: runs saved in the same millisecond are ordered by their content.
    const key = (x: (typeof runs)[number]) => `${x.createdAt}\u0000${x.cellId}\u0000${x.version}\u0000${JSON.stringify(x)}`;
    runs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    return {
      notebook: {
        name: r.name,
        versions: r.versions.map((v, vi) => ({ version: v.version, message: v.message, createdAt: v.createdAt.toISOString(), document: toPortable(r.docs[vi]!, nameOf) })),
        runs,
      },
      assetIds: [...r.docs.flatMap(notebookAssetIds), ...runs.flatMap((run) => imagesOf(run.prompt))],
    };
  });
}

/** What an import learns about an embedded image from its bytes. */
export interface ImportedImage {
  /** Sniffed from the bytes, never the file's claim. */
  mediaType: AssetMediaType;
  /** Measured from the image's header (as displayed). */
  width: number;
  height: number;
  /** The stored preview. */
  thumbnail: Uint8Array;
}

export interface ImportOptions {
  /** Import under this name instead of the file's (needed when that name is taken). */
  name?: string;
  /**
   * Checks one embedded image by its content exactly as an upload is checked — type sniffed from
   * the bytes, size and pixel limits from the header, a full decode (lib/assets' inspectImage) —
   * and makes its preview (makeThumbnail); throws to refuse it. The type and dimensions stored are
   * what this returns: the file's mediaType, width and height are never trusted.
   */
  readImage: (bytes: Uint8Array) => Promise<ImportedImage>;
  /** The workspace the new library joins (default: the local one). References by name resolve in it and Examples only. */
  workspaceId?: string;
  /** Who imported it: recorded as the author of the imported versions. */
  createdById?: string | null;
}

type Path = (string | number)[];
const invalid = (message: string, details: { path: Path; message: string }[]) => new AppError("validation_failed", message, { details });

/**
 * All or nothing: everything is checked first, then written in one
 * transaction; on any failure the database is as it was.
 */
export async function importLibrary(file: unknown, options: ImportOptions): Promise<LibrarySummary> {
  const parsed = LibraryFileSchema.safeParse(file);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: i.path.filter((p): p is string | number => typeof p !== "symbol"), message: i.message }));
    const first = details[0]!;
    throw invalid(`Invalid library file: ${first.path.join(".") || "(file)"}: ${first.message}`, details);
  }
  const lib = parsed.data;

  // Every version's document must be a valid template (paths point into the file).
  const templates = lib.templates.map((t, ti) => ({
    forkedFrom: t.forkedFrom,
    versions: t.versions.map((v, vi) => {
      const r = parseTemplate(v.document);
      if (!r.ok) {
        const base: Path = ["templates", ti, "versions", vi, "document"];
        const details = r.issues.map((i) => ({ path: [...base, ...i.path], message: i.message }));
        throw invalid(`Invalid library file: template "${t.name}" version ${v.version}: ${details[0]!.path.join(".")}: ${details[0]!.message}`, details);
      }
      return { version: v.version, message: v.message, createdAt: new Date(v.createdAt), template: r.template };
    }),
  }));

  // Notebooks: the structure is checked now (template names resolved to a stand-in id), the names for real in the transaction.
  for (const [ni, n] of lib.notebooks.entries()) checkNotebook(n, ni, () => "pending");

  const assets = await decodeAssets(lib.assets, options.readImage);
  const name = options.name?.trim() || lib.library.name;

  const workspaceId = options.workspaceId ?? "local";
  // A reference to another library by name resolves in the importing workspace (or Examples), never in someone else's.
  const inWorkspace = (library: string) => ({ name: library, OR: [{ workspaceId }, { kind: "examples" }] });
  const libraryId = await db().$transaction(async (tx) => {
    const id = newId();
    try {
      await tx.library.create({ data: { id, workspaceId, name, description: lib.library.description, kind: "user" } });
    } catch (e) {
      if (isUniqueViolation(e)) throw libraryNameTaken(name, e);
      throw e;
    }
    for (const a of assets) await putAsset(a, tx);
    const idsByName = new Map<string, string>();
    for (const t of templates) {
      const latest = t.versions[t.versions.length - 1]!;
      const tid = await insertTemplate(tx, { libraryId: id, template: latest.template, message: latest.message, versions: t.versions, createdById: options.createdById ?? null });
      idsByName.set(latest.template.name, tid);
    }
    // Fork links: to a template of this file, or one already in the database, found by name.
    for (const t of templates) {
      if (!t.forkedFrom) continue;
      const latestName = t.versions[t.versions.length - 1]!.template.name;
      const sourceId =
        t.forkedFrom.library === lib.library.name
          ? idsByName.get(t.forkedFrom.template)
          : (await tx.template.findFirst({ where: { name: t.forkedFrom.template, library: inWorkspace(t.forkedFrom.library) }, select: { id: true } }))?.id;
      if (sourceId) {
        await tx.template.update({ where: { id: idsByName.get(latestName)! }, data: { forkedFromTemplateId: sourceId, forkedFromVersion: t.forkedFrom.version } });
      }
    }
    const templateIdOf = async (ref: TemplateNameRef): Promise<string | undefined> =>
      ref.library === lib.library.name
        ? idsByName.get(ref.name)
        : (await tx.template.findFirst({ where: { name: ref.name, library: inWorkspace(ref.library) }, select: { id: true } }))?.id;
    for (const [ni, n] of lib.notebooks.entries()) {
      const known = new Map<string, string | undefined>();
      for (const v of n.versions) for (const ref of portableRefs(v.document)) {
        const key = JSON.stringify([ref.library, ref.name]);
        if (!known.has(key)) known.set(key, await templateIdOf(ref));
      }
      const checked = checkNotebook(n, ni, (ref) => known.get(JSON.stringify([ref.library, ref.name])));
      const nid = await insertNotebook(tx, { libraryId: id, versions: checked });
      if (n.runs.length > 0) {
        await tx.cellRun.createMany({
          data: n.runs.map((r) => ({
            id: newId(),
            notebookId: nid,
            cellId: r.cellId,
            version: r.version,
            backend: r.backend,
            provider: r.provider,
            model: r.model,
            mode: r.output.mode,
            params: JSON.stringify(r.params),
            prompt: JSON.stringify(r.prompt),
            output: JSON.stringify(r.output),
            timings: JSON.stringify(r.timings),
            createdAt: new Date(r.createdAt),
          })),
        });
      }
    }
    return id;
  }, { ...TX_OPTIONS, timeout: 120_000 });
  return getLibrary(libraryId);
}

/** Template names a portable notebook document refers to. */
function portableRefs(doc: unknown): TemplateNameRef[] {
  const refs: TemplateNameRef[] = [];
  fromPortable(doc, (ref) => {
    refs.push(ref);
    return "pending";
  });
  return refs;
}

/** Every version a valid notebook (paths into the file), every run on a cell of its version. */
function checkNotebook(n: ExportedNotebook, ni: number, resolve: (ref: TemplateNameRef) => string | undefined) {
  const base: Path = ["notebooks", ni];
  const versions = n.versions.map((v, vi) => {
    const where: Path = [...base, "versions", vi, "document"];
    const portable = fromPortable(v.document, resolve);
    if (portable.issues.length > 0) {
      const details = portable.issues.map((i) => ({ path: [...where, ...i.path], message: i.message }));
      throw new AppError("unprocessable", `Invalid library file: notebook "${n.name}" version ${v.version}: ${details[0]!.message}`, { details });
    }
    const r = parseNotebook(portable.document);
    if (!r.ok) {
      const details = r.issues.map((i) => ({ path: [...where, ...i.path], message: i.message }));
      throw invalid(`Invalid library file: notebook "${n.name}" version ${v.version}: ${details[0]!.path.join(".")}: ${details[0]!.message}`, details);
    }
    return { version: v.version, message: v.message, createdAt: new Date(v.createdAt), notebook: r.notebook };
  });
  n.runs.forEach((run, ri) => {
    const v = versions.find((x) => x.version === run.version);
    if (!v || !v.notebook.cells.some((c) => c.id === run.cellId)) {
      throw invalid(`Invalid library file: notebook "${n.name}" has a run of cell "${run.cellId}" that version ${run.version} does not have`, [
        { path: [...base, "runs", ri, "cellId"], message: `not a cell of version ${run.version}` },
      ]);
    }
  });
  return versions;
}

async function decodeAssets(assets: ExportedAsset[], readImage: ImportOptions["readImage"]): Promise<PutAssetInput[]> {
  const out: PutAssetInput[] = [];
  const seen = new Set<string>();
  for (const [i, a] of assets.entries()) {
    if (seen.has(a.id)) continue;
    seen.add(a.id);
    const path: Path = ["assets", i, "dataBase64"];
    const bytes = new Uint8Array(Buffer.from(a.dataBase64, "base64"));
    if (sha256Hex(bytes) !== a.id) {
      throw new AppError("unprocessable", `Image ${a.id} in the library file is damaged: its data does not hash to its id`, {
        details: [{ path, message: "does not match the id (SHA-256)" }],
      });
    }
    let image: ImportedImage;
    try {
      image = await readImage(bytes);
    } catch (cause) {
      // Refusals keep their status (413 too many pixels, 415 not an image…) and gain the image's place in the file.
      const reason = isAppError(cause) ? cause.message : "it is not a readable image";
      throw new AppError(isAppError(cause) ? cause.code : "unprocessable", `Image ${a.id} in the library file was refused: ${reason}`, {
        details: [{ path, message: isAppError(cause) ? cause.message : "not a readable image" }],
        cause,
      });
    }
    const input: PutAssetInput = { id: a.id, mediaType: image.mediaType, width: image.width, height: image.height, bytes, thumbnail: image.thumbnail };
    checkAssetInput(input);
    out.push(input);
  }
  return out;
}
