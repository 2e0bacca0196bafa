/**
 * Datasets: items (image, optional question, answer, optional candidates) split into a
 * demonstration pool and an evaluation set. This file holds the read side that sweeps
 * depend on; import and listing live beside it.
 */
import "server-only";
import { notFound } from "@/lib/errors";
import { db } from "./db";
import type { DatasetItemRow, DatasetSplit } from "./types";
import { parseStoredJson } from "./util";

/** Every item of a dataset in file order, both splits. Throws not_found for an unknown id. */
export async function getDatasetItems(datasetId: string): Promise<DatasetItemRow[]> {
  const exists = await db().dataset.findUnique({ where: { id: datasetId }, select: { id: true } });
  if (!exists) throw notFound("Dataset", datasetId);
  const rows = await db().datasetItem.findMany({ where: { datasetId }, orderBy: { position: "asc" } });
  return rows.map((r) => ({
    id: r.id,
    position: r.position,
    split: r.split as DatasetSplit,
    assetId: r.assetId,
    question: r.question,
    answer: r.answer,
    candidates: r.candidates === null ? null : parseStoredJson<string[]>(r.candidates),
  }));
}
