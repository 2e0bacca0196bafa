/**
 * Import an upload into the database: parse (pure, ./upload), split, validate
 * every image by its content (lib/assets: size, pixel and decode checks), then
 * store the dataset, its images and items in one transaction. Nothing is
 * written unless every row and every image is good; errors name the row.
 */
import "server-only";
import { inspectImage, makeThumbnail } from "@/lib/assets";
import { AppError, isAppError } from "@/lib/errors";
import type { PutAssetInput } from "@/lib/store/assets";
import { createDataset, type DatasetDetail, type DatasetTask } from "@/lib/store/datasets";
import { assignSplits, type SplitOptions } from "./split";
import type { ParseUploadOptions } from "./upload";
import { parseUpload } from "./upload";
import type { UploadedFile } from "./types";

export interface ImportDatasetOptions extends SplitOptions, ParseUploadOptions {
  libraryId: string;
  name: string;
  description?: string;
  /** Default: "vqa" when any row has a question, else "classification". */
  task?: DatasetTask;
}

export async function importDataset(files: readonly UploadedFile[], options: ImportDatasetOptions): Promise<DatasetDetail> {
  const parsed = parseUpload(files, options);
  const splits = assignSplits(parsed.items, options);

  const assetIdOf = new Map<string, string>();
  const assets = new Map<string, PutAssetInput>();
  for (const item of parsed.items) {
    if (assetIdOf.has(item.imagePath)) continue;
    const bytes = parsed.images.get(item.imagePath)!;
    const input = await readImage(bytes, `${item.where}: image "${item.imagePath}"`);
    assetIdOf.set(item.imagePath, input.id);
    if (!assets.has(input.id)) assets.set(input.id, input);
  }

  const task = options.task ?? (parsed.items.some((it) => it.question !== undefined) ? "vqa" : "classification");
  return createDataset({
    libraryId: options.libraryId,
    name: options.name,
    description: options.description,
    task,
    assets: [...assets.values()],
    items: parsed.items.map((it, i) => ({
      assetId: assetIdOf.get(it.imagePath)!,
      question: it.question ?? null,
      answer: it.answer,
      candidates: it.candidates ?? null,
      split: splits[i]!,
    })),
  });
}

/** Validate and thumbnail one image; its problems keep their status and gain the row's name. */
async function readImage(bytes: Uint8Array, where: string): Promise<PutAssetInput> {
  try {
    const info = await inspectImage(bytes);
    const thumbnail = await makeThumbnail(bytes);
    return { id: info.id, mediaType: info.mediaType, width: info.width, height: info.height, bytes, thumbnail };
  } catch (e) {
    if (isAppError(e)) throw new AppError(e.code, `${where}: ${e.message}`, { cause: e });
    throw new AppError("unprocessable", `${where}: the image cannot be read`, { cause: e });
  }
}
