/**
 * Datasets: items (image, optional question, answer, optional candidates) split into a
 * demonstration pool and an evaluation set. Read side (getDatasetItems, used by sweeps),
 * listing, paged browsing, create (all or nothing), rename, delete.
 */
import "server-only";
import { heldInScope } from "./scope";
import { AppError, notFound } from "@/lib/errors";
import { putAsset, type PutAssetInput } from "./assets";
import { db } from "./db";
import { TX_OPTIONS } from "./templates";
import type { DatasetItemRow, DatasetSplit } from "./types";
import { iso, isUniqueViolation, newId, parseStoredJson } from "./util";

export type DatasetTask = "classification" | "vqa" | "captioning" | "other";
export const DATASET_TASKS: readonly DatasetTask[] = ["classification", "vqa", "captioning", "other"];

export interface DatasetSummary {
  id: string;
  libraryId: string;
  libraryName: string;
  name: string;
  description: string;
  task: DatasetTask;
  itemCount: number;
  poolCount: number;
  evalCount: number;
  /** Up to 4 images, for cards. */
  previewAssetIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface DatasetDetail extends DatasetSummary {
  /** Every distinct answer with its count, most frequent first (ties by name). */
  answers: { answer: string; count: number }[];
}

export interface DatasetItemQuery {
  split?: DatasetSplit;
  answer?: string;
  offset?: number;
  /** Default 60, at most 500. */
  limit?: number;
}

export interface DatasetItemPage {
  items: DatasetItemRow[];
  /** Items matching the filters (all pages). */
  total: number;
  offset: number;
  limit: number;
}

export interface NewDatasetItem {
  assetId: string;
  question: string | null;
  answer: string;
  candidates: string[] | null;
  split: DatasetSplit;
}

export interface CreateDatasetInput {
  libraryId: string;
  name: string;
  description?: string;
  task: DatasetTask;
  /** In file order; each assetId must be stored already or be among `assets`. */
  items: NewDatasetItem[];
  /** Images to store in the same transaction (validated and thumbnailed by the caller). */
  assets: PutAssetInput[];
}

type DatasetRow = { id: string; libraryId: string; name: string; description: string; task: string; createdAt: Date; updatedAt: Date; library: { name: string } };

const withLibrary = { library: { select: { name: true } } } as const;

function toRow(r: { id: string; position: number; split: string; assetId: string; question: string | null; answer: string; candidates: string | null }): DatasetItemRow {
  return {
    id: r.id,
    position: r.position,
    split: r.split as DatasetSplit,
    assetId: r.assetId,
    question: r.question,
    answer: r.answer,
    candidates: r.candidates === null ? null : parseStoredJson<string[]>(r.candidates),
  };
}

/** Every item of a dataset in file order, both splits. Throws not_found for an unknown id. */
export async function getDatasetItems(datasetId: string): Promise<DatasetItemRow[]> {
  const exists = await db().dataset.findUnique({ where: { id: datasetId }, select: { id: true } });
  if (!exists) throw notFound("Dataset", datasetId);
  const rows = await db().datasetItem.findMany({ where: { datasetId }, orderBy: { position: "asc" } });
  return rows.map(toRow);
}

async function summarise(rows: DatasetRow[]): Promise<DatasetSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const counts = await db().datasetItem.groupBy({ by: ["datasetId", "split"], where: { datasetId: { in: ids } }, _count: { _all: true } });
  const previews = await Promise.all(
    ids.map((id) => db().datasetItem.findMany({ where: { datasetId: id }, orderBy: { position: "asc" }, take: 4, select: { assetId: true } })),
  );
  return rows.map((r, i) => {
    const count = (split: DatasetSplit) => counts.find((c) => c.datasetId === r.id && c.split === split)?._count._all ?? 0;
    const poolCount = count("pool");
    const evalCount = count("eval");
    return {
      id: r.id,
      libraryId: r.libraryId,
      libraryName: r.library.name,
      name: r.name,
      description: r.description,
      task: (DATASET_TASKS as readonly string[]).includes(r.task) ? (r.task as DatasetTask) : "other",
      itemCount: poolCount + evalCount,
      poolCount,
      evalCount,
      previewAssetIds: previews[i]!.map((p) => p.assetId),
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
    };
  });
}

/** By library name, then dataset name (sorted here: collations differ between providers). */
export async function listDatasets(q: { libraryId?: string; workspaces?: readonly string[] | null } = {}): Promise<DatasetSummary[]> {
  const rows = await db().dataset.findMany({ where: { ...(q.libraryId ? { libraryId: q.libraryId } : {}), ...heldInScope(q.workspaces) }, include: withLibrary });
  const list = await summarise(rows);
  return list.sort((a, b) => a.libraryName.localeCompare(b.libraryName) || a.name.localeCompare(b.name));
}

export async function getDataset(id: string): Promise<DatasetDetail> {
  const row = await db().dataset.findUnique({ where: { id }, include: withLibrary });
  if (!row) throw notFound("Dataset", id);
  const [summary] = await summarise([row]);
  const groups = await db().datasetItem.groupBy({ by: ["answer"], where: { datasetId: id }, _count: { _all: true } });
  const answers = groups
    .map((g) => ({ answer: g.answer, count: g._count._all }))
    .sort((a, b) => b.count - a.count || a.answer.localeCompare(b.answer));
  return { ...summary!, answers };
}

/** The dataset named `name` in a library, or null. */
export async function findDataset(libraryId: string, name: string): Promise<DatasetSummary | null> {
  const row = await db().dataset.findUnique({ where: { libraryId_name: { libraryId, name } }, include: withLibrary });
  return row ? (await summarise([row]))[0]! : null;
}

export async function listDatasetItems(id: string, q: DatasetItemQuery = {}): Promise<DatasetItemPage> {
  const exists = await db().dataset.findUnique({ where: { id }, select: { id: true } });
  if (!exists) throw notFound("Dataset", id);
  const offset = Math.max(0, Math.floor(q.offset ?? 0));
  const limit = Math.min(500, Math.max(1, Math.floor(q.limit ?? 60)));
  const where = { datasetId: id, ...(q.split ? { split: q.split } : {}), ...(q.answer !== undefined ? { answer: q.answer } : {}) };
  const [total, rows] = await Promise.all([
    db().datasetItem.count({ where }),
    db().datasetItem.findMany({ where, orderBy: { position: "asc" }, skip: offset, take: limit }),
  ]);
  return { items: rows.map(toRow), total, offset, limit };
}

const nameTaken = (name: string, cause?: unknown) =>
  new AppError("conflict", `A dataset named "${name}" already exists in this library; choose another name`, {
    details: [{ path: ["name"], message: "already taken" }],
    cause,
  });

function checkName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new AppError("validation_failed", "A dataset needs a name", { details: [{ path: ["name"], message: "must not be empty" }] });
  if (name.length > 200) throw new AppError("validation_failed", "A dataset name may be at most 200 characters", { details: [{ path: ["name"], message: "too long" }] });
  return name;
}

/** All or nothing: the dataset, its images and its items are written in one transaction. */
export async function createDataset(input: CreateDatasetInput): Promise<DatasetDetail> {
  const name = checkName(input.name);
  if (input.items.length === 0) throw new AppError("validation_failed", "A dataset needs at least one item");
  const library = await db().library.findUnique({ where: { id: input.libraryId }, select: { id: true } });
  if (!library) throw notFound("Library", input.libraryId);
  const id = newId();
  await db().$transaction(async (tx) => {
    try {
      await tx.dataset.create({ data: { id, libraryId: input.libraryId, name, description: input.description?.trim() ?? "", task: input.task } });
    } catch (e) {
      if (isUniqueViolation(e)) throw nameTaken(name, e);
      throw e;
    }
    for (const a of input.assets) await putAsset(a, tx);
    const known = new Set(input.assets.map((a) => a.id));
    const others = [...new Set(input.items.map((it) => it.assetId))].filter((a) => !known.has(a));
    if (others.length > 0) {
      const found = await tx.asset.findMany({ where: { id: { in: others } }, select: { id: true } });
      const missing = others.filter((a) => !found.some((f) => f.id === a));
      if (missing.length > 0) throw new AppError("validation_failed", `Image ${missing[0]} is not stored; upload it first`);
    }
    await tx.datasetItem.createMany({
      data: input.items.map((it, position) => ({
        id: newId(),
        datasetId: id,
        position,
        split: it.split,
        assetId: it.assetId,
        question: it.question,
        answer: it.answer,
        candidates: it.candidates === null ? null : JSON.stringify(it.candidates),
      })),
    });
  }, { ...TX_OPTIONS, timeout: 120_000 });
  return getDataset(id);
}

export async function updateDataset(id: string, patch: { name?: string; description?: string }): Promise<DatasetDetail> {
  const data: { name?: string; description?: string } = {};
  if (patch.name !== undefined) data.name = checkName(patch.name);
  if (patch.description !== undefined) data.description = patch.description.trim();
  const exists = await db().dataset.findUnique({ where: { id }, select: { id: true } });
  if (!exists) throw notFound("Dataset", id);
  try {
    await db().dataset.update({ where: { id }, data });
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(data.name ?? "", e);
    throw e;
  }
  return getDataset(id);
}

/** Deletes the dataset, its items and its sweeps (cascade); images stay (content-addressed, maybe shared). */
export async function deleteDataset(id: string): Promise<void> {
  const { count } = await db().dataset.deleteMany({ where: { id } });
  if (count === 0) throw notFound("Dataset", id);
}
