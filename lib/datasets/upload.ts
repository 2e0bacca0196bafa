/**
 * An upload (a zip, a folder's files, or a manifest with its images) → the
 * manifest's rows with their image bytes. Pure: images are only looked up
 * here; their content is validated when they are stored (lib/assets).
 */
import { AppError } from "@/lib/errors";
import { parseCsvManifest } from "./csv";
import { parseJsonlManifest } from "./jsonl";
import { DEFAULT_DATASET_LIMITS, formatSize, type DatasetLimits } from "./limits";
import { dirOf, isJunkPath, joinPath, normalisePath } from "./paths";
import type { ParsedDataset, UploadedFile } from "./types";
import { looksLikeZip, readZip } from "./zip";

export interface ParseUploadOptions {
  /** Which .jsonl/.csv file is the manifest, when the upload holds several. */
  manifest?: string;
  limits?: Partial<DatasetLimits>;
}

const isManifest = (path: string) => /\.(jsonl|csv)$/i.test(path);

/** Expand a lone zip, drop clutter, check the limits. */
export function expandUpload(files: readonly UploadedFile[], limits: DatasetLimits): UploadedFile[] {
  const uploaded = files.reduce((s, f) => s + f.bytes.byteLength, 0);
  if (uploaded > limits.maxUploadBytes) throw new AppError("payload_too_large", `The upload is ${formatSize(uploaded)}; at most ${formatSize(limits.maxUploadBytes)} are accepted`);
  let out = files.filter((f) => !isJunkPath(f.path));
  const zips = out.filter((f) => /\.zip$/i.test(f.path) || looksLikeZip(f.bytes));
  if (zips.length > 0) {
    if (out.length > 1) throw new AppError("bad_request", "Upload one zip on its own, or a folder / files without a zip among them");
    out = readZip(zips[0]!.bytes, limits, zips[0]!.path);
  }
  if (out.length === 0) throw new AppError("bad_request", "The upload holds no files");
  if (out.length > limits.maxFiles) throw new AppError("payload_too_large", `The upload holds ${out.length} files; at most ${limits.maxFiles} are accepted`);
  const total = out.reduce((s, f) => s + f.bytes.byteLength, 0);
  if (total > limits.maxTotalBytes) throw new AppError("payload_too_large", `The upload is ${formatSize(total)}; at most ${formatSize(limits.maxTotalBytes)} are accepted`);
  const seen = new Set<string>();
  for (const f of out) {
    if (seen.has(f.path)) throw new AppError("bad_request", `The upload holds "${f.path}" twice`);
    seen.add(f.path);
  }
  return out;
}

export function parseUpload(files: readonly UploadedFile[], options: ParseUploadOptions = {}): ParsedDataset {
  const limits = { ...DEFAULT_DATASET_LIMITS, ...options.limits };
  const all = expandUpload(files, limits);
  const manifest = pickManifest(all, options.manifest);

  if (manifest.bytes.byteLength > limits.maxManifestBytes) {
    throw new AppError("payload_too_large", `${manifest.path} is ${formatSize(manifest.bytes.byteLength)}; a dataset file may be at most ${formatSize(limits.maxManifestBytes)}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(manifest.bytes);
  } catch {
    throw new AppError("bad_request", `${manifest.path} is not UTF-8 text; save it as UTF-8`);
  }
  const rows = /\.csv$/i.test(manifest.path) ? parseCsvManifest(text, manifest.path, { maxItems: limits.maxItems }) : parseJsonlManifest(text, manifest.path);
  if (rows.length === 0) throw new AppError("bad_request", `${manifest.path} has no items`);
  if (rows.length > limits.maxItems) throw new AppError("payload_too_large", `${manifest.path} has ${rows.length} items; at most ${limits.maxItems} are accepted`);

  const byPath = new Map(all.map((f) => [f.path, f.bytes]));
  const base = dirOf(manifest.path);
  const images = new Map<string, Uint8Array>();
  const items = rows.map((row) => {
    const imagePath = joinPath(base, normalisePath(row.image, `${row.where}: image`));
    const bytes = byPath.get(imagePath);
    if (!bytes) throw new AppError("bad_request", `${row.where}: the image "${row.image}" is not in the upload (looked for "${imagePath}")`);
    images.set(imagePath, bytes);
    return { ...row, imagePath };
  });
  return { manifest: manifest.path, items, images };
}

function pickManifest(files: readonly UploadedFile[], wanted: string | undefined): UploadedFile {
  if (wanted) {
    const path = normalisePath(wanted, "manifest");
    const f = files.find((x) => x.path === path || x.path.endsWith(`/${path}`));
    if (!f) throw new AppError("bad_request", `The dataset file "${wanted}" is not in the upload`);
    return f;
  }
  const candidates = files.filter((f) => isManifest(f.path));
  if (candidates.length === 0) {
    throw new AppError("bad_request", "The upload has no dataset file: add a .jsonl (one item per line) or a .csv (image, answer, … columns) beside the images");
  }
  if (candidates.length > 1) {
    throw new AppError("bad_request", `The upload has ${candidates.length} dataset files (${candidates.slice(0, 5).map((f) => f.path).join(", ")}); keep one, or name it as the manifest`);
  }
  return candidates[0]!;
}
