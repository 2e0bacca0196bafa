import "server-only";
import { createHash } from "node:crypto";
import { AppError, notFound } from "@/lib/errors";
import { ASSET_ID } from "@/lib/prompt";
import { db, type Db, type Tx } from "./db";
import type { AssetInfo } from "./types";
import { iso, isUniqueViolation } from "./util";

export type AssetMediaType = AssetInfo["mediaType"];
const MEDIA_TYPES: readonly AssetMediaType[] = ["image/png", "image/jpeg", "image/webp", "image/gif"];

export interface PutAssetInput {
  /** Lowercase hex SHA-256 of `bytes`; checked here. */
  id: string;
  mediaType: AssetMediaType;
  width: number;
  height: number;
  bytes: Uint8Array;
  /** A small preview (WebP), made by lib/assets. */
  thumbnail: Uint8Array;
}

const infoSelect = { id: true, mediaType: true, width: true, height: true, byteSize: true, createdAt: true } as const;

function toInfo(row: { id: string; mediaType: string; width: number; height: number; byteSize: number; createdAt: Date }): AssetInfo {
  return { ...row, mediaType: row.mediaType as AssetMediaType, createdAt: iso(row.createdAt) };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Storage-level checks; image decoding and limits are lib/assets' job. */
export function checkAssetInput(input: PutAssetInput): void {
  if (!ASSET_ID.test(input.id)) throw new AppError("validation_failed", `Asset id "${input.id}" is not a lowercase hex SHA-256`);
  if (sha256Hex(input.bytes) !== input.id) throw new AppError("unprocessable", `The bytes of asset ${input.id} do not hash to its id`);
  if (!MEDIA_TYPES.includes(input.mediaType)) throw new AppError("unsupported_media_type", `Unsupported image type "${input.mediaType}"`);
  if (!(Number.isInteger(input.width) && input.width > 0 && Number.isInteger(input.height) && input.height > 0)) {
    throw new AppError("validation_failed", `Asset ${input.id} needs a positive whole width and height`);
  }
}

/** Store an image once per content hash; `created` is false when the bytes were already there. */
export async function putAsset(input: PutAssetInput, client: Db | Tx = db()): Promise<{ asset: AssetInfo; created: boolean }> {
  checkAssetInput(input);
  const existing = await client.asset.findUnique({ where: { id: input.id }, select: infoSelect });
  if (existing) return { asset: toInfo(existing), created: false };
  try {
    const row = await client.asset.create({
      data: {
        id: input.id,
        mediaType: input.mediaType,
        width: input.width,
        height: input.height,
        byteSize: input.bytes.byteLength,
        bytes: new Uint8Array(input.bytes),
        thumbnail: new Uint8Array(input.thumbnail),
      },
      select: infoSelect,
    });
    return { asset: toInfo(row), created: true };
  } catch (e) {
    // Another request stored the same bytes between our read and write.
    if (isUniqueViolation(e)) return { asset: await getAssetInfo(input.id, client), created: false };
    throw e;
  }
}

export async function getAssetInfo(id: string, client: Db | Tx = db()): Promise<AssetInfo> {
  const row = await client.asset.findUnique({ where: { id }, select: infoSelect });
  if (!row) throw notFound("Image", id);
  return toInfo(row);
}

export async function getAssetBytes(id: string, client: Db | Tx = db()): Promise<{ info: AssetInfo; bytes: Uint8Array }> {
  const row = await client.asset.findUnique({ where: { id }, select: { ...infoSelect, bytes: true } });
  if (!row) throw notFound("Image", id);
  const { bytes, ...info } = row;
  return { info: toInfo(info), bytes: new Uint8Array(bytes) };
}

export async function getAssetThumbnail(id: string): Promise<Uint8Array> {
  const row = await db().asset.findUnique({ where: { id }, select: { thumbnail: true } });
  if (!row) throw notFound("Image", id);
  return new Uint8Array(row.thumbnail);
}

/** The ids (in the given order, each once) that are not stored. */
export async function missingAssets(ids: readonly string[], client: Db | Tx = db()): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const found = await client.asset.findMany({ where: { id: { in: unique } }, select: { id: true } });
  const have = new Set(found.map((r) => r.id));
  return unique.filter((id) => !have.has(id));
}

// ---------------------------------------------------------------- who uses an image, and deleting

/**
 * Images a stored JSON document refers to: every `"assetId":"<sha256>"` in it. Template documents
 * (image blocks), notebook documents (inline templates, image bindings), saved runs' prompts and
 * sweep configurations all name images this way, and they are all written by JSON.stringify, so a
 * quote inside a string value is escaped (\") and text that merely mentions an id never matches.
 */
export function assetIdsInJson(text: string): string[] {
  const ids = new Set<string>();
  for (const m of text.matchAll(/"assetId"\s*:\s*"([0-9a-f]{64})"/g)) ids.add(m[1]!);
  return [...ids];
}

/** What still refers to an image (each counted once, whichever of its versions or runs does). */
export interface AssetUsage {
  templates: number;
  notebooks: number;
  datasets: number;
  sweeps: number;
}

export const usageCount = (u: AssetUsage): number => u.templates + u.notebooks + u.datasets + u.sweeps;

/** "3 templates and 1 dataset". */
export function describeUsage(u: AssetUsage): string {
  const parts = (
    [
      [u.templates, "template"],
      [u.notebooks, "notebook"],
      [u.datasets, "dataset"],
      [u.sweeps, "sweep"],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}${n === 1 ? "" : "s"}`);
  return parts.length <= 1 ? (parts[0] ?? "nothing") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/**
 * The templates, notebooks (a version or a saved run), datasets (an item) and sweeps (the template
 * they ran) that use an image. A substring search narrows the documents; each is then read properly.
 */
export async function assetUsage(id: string, client: Db | Tx = db()): Promise<AssetUsage> {
  const uses = (text: string) => assetIdsInJson(text).includes(id);
  // One query at a time: inside a transaction they share one connection.
  const versions = await client.templateVersion.findMany({ where: { document: { contains: id } }, select: { templateId: true, document: true } });
  const notebookVersions = await client.notebookVersion.findMany({ where: { document: { contains: id } }, select: { notebookId: true, document: true } });
  const runs = await client.cellRun.findMany({ where: { prompt: { contains: id } }, select: { notebookId: true, prompt: true } });
  const items = await client.datasetItem.findMany({ where: { assetId: id }, select: { datasetId: true }, distinct: ["datasetId"] });
  const sweeps = await client.sweep.findMany({ where: { config: { contains: id } }, select: { id: true, config: true } });
  return {
    templates: new Set(versions.filter((v) => uses(v.document)).map((v) => v.templateId)).size,
    notebooks: new Set([...notebookVersions.filter((v) => uses(v.document)).map((v) => v.notebookId), ...runs.filter((r) => uses(r.prompt)).map((r) => r.notebookId)]).size,
    datasets: items.length,
    sweeps: sweeps.filter((s) => uses(s.config)).length,
  };
}

/** Interactive transactions default to 5 s; a library's worth of images may need longer. */
const GC_TX = { timeout: 120_000, maxWait: 15_000 } as const;

/** Deletes an image that nothing uses; 409 naming what still uses it otherwise, 404 when there is none. */
export async function deleteAsset(id: string): Promise<void> {
  await db().$transaction(async (tx) => {
    const row = await tx.asset.findUnique({ where: { id }, select: { id: true } });
    if (!row) throw notFound("Image", id);
    const usage = await assetUsage(id, tx);
    if (usageCount(usage) > 0) {
      throw new AppError("conflict", `Image ${id} is used by ${describeUsage(usage)}; remove it from them (or delete them) first`, {
        details: [{ path: ["id"], message: `used by ${describeUsage(usage)}` }],
      });
    }
    await tx.asset.delete({ where: { id } });
  }, GC_TX);
}

/** Batches for `IN (…)` lists and pages: well under SQLite's and PostgreSQL's bind-variable limits. */
const BATCH = 500;
/** Up to this many candidates, documents are narrowed by a substring search per candidate; past it, read page by page. */
const NARROW_UP_TO = 32;

/** Which of `candidates` something stores a reference to (dataset items, template and notebook versions, saved runs, sweeps). */
async function referencedAssets(candidates: ReadonlySet<string>, client: Db | Tx): Promise<Set<string>> {
  const used = new Set<string>();
  const ids = [...candidates];
  for (let i = 0; i < ids.length; i += BATCH) {
    const rows = await client.datasetItem.findMany({ where: { assetId: { in: ids.slice(i, i + BATCH) } }, select: { assetId: true }, distinct: ["assetId"] });
    for (const r of rows) used.add(r.assetId);
  }
  const note = (text: string) => {
    for (const id of assetIdsInJson(text)) if (candidates.has(id)) used.add(id);
  };
  const left = () => ids.filter((id) => !used.has(id));

  if (left().length === 0) return used;
  if (left().length <= NARROW_UP_TO) {
    const pending = left();
    (await client.templateVersion.findMany({ where: { OR: pending.map((id) => ({ document: { contains: id } })) }, select: { document: true } })).forEach((v) => note(v.document));
    (await client.notebookVersion.findMany({ where: { OR: pending.map((id) => ({ document: { contains: id } })) }, select: { document: true } })).forEach((v) => note(v.document));
    (await client.cellRun.findMany({ where: { OR: pending.map((id) => ({ prompt: { contains: id } })) }, select: { prompt: true } })).forEach((r) => note(r.prompt));
    (await client.sweep.findMany({ where: { OR: pending.map((id) => ({ config: { contains: id } })) }, select: { config: true } })).forEach((s) => note(s.config));
    return used;
  }

  // Many candidates (a dataset's images): read each kind of document once, a page at a time.
  const pages = async <R extends { id: string }>(page: (after: string | undefined) => Promise<R[]>, text: (r: R) => string) => {
    for (let after: string | undefined; left().length > 0; ) {
      const rows = await page(after);
      rows.forEach((r) => note(text(r)));
      if (rows.length < BATCH) return;
      after = rows[rows.length - 1]!.id;
    }
  };
  const window = (after: string | undefined) => ({ orderBy: { id: "asc" as const }, take: BATCH, ...(after ? { cursor: { id: after }, skip: 1 } : {}) });
  await pages((after) => client.templateVersion.findMany({ ...window(after), select: { id: true, document: true } }), (r) => r.document);
  await pages((after) => client.notebookVersion.findMany({ ...window(after), select: { id: true, document: true } }), (r) => r.document);
  await pages((after) => client.cellRun.findMany({ ...window(after), select: { id: true, prompt: true } }), (r) => r.prompt);
  await pages((after) => client.sweep.findMany({ ...window(after), select: { id: true, config: true } }), (r) => r.config);
  return used;
}

/**
 * Garbage collection: deletes the images among `candidates` (default: every stored image) that
 * nothing refers to, and returns their ids. Run it inside the transaction that removed the last
 * references (deleteLibrary does), so no orphan is left behind.
 */
export async function deleteUnusedAssets(candidates?: readonly string[], client: Db | Tx = db()): Promise<string[]> {
  const ids = candidates ? [...new Set(candidates)] : (await client.asset.findMany({ select: { id: true } })).map((a) => a.id);
  if (ids.length === 0) return [];
  const used = await referencedAssets(new Set(ids), client);
  const unused = ids.filter((id) => !used.has(id));
  for (let i = 0; i < unused.length; i += BATCH) await client.asset.deleteMany({ where: { id: { in: unused.slice(i, i + BATCH) } } });
  return unused;
}
