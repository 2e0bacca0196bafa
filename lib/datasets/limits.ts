/** How big a dataset import may be. Images are also held to the asset limits (lib/assets/limits.ts). */
export interface DatasetLimits {
  /** Bytes uploaded (a zip, or the files of a folder together), before anything is unpacked. */
  maxUploadBytes: number;
  /** Items (manifest rows). */
  maxItems: number;
  /** Files in a zip or a folder upload (directories not counted). */
  maxFiles: number;
  /** Bytes of all files together, after decompression: a zip bomb stops here. */
  maxTotalBytes: number;
  /** Bytes of the manifest (JSONL or CSV). */
  maxManifestBytes: number;
}

/** Largest request body accepted by POST /api/datasets (a zip or the files of a folder). */
export const DATASET_MAX_UPLOAD_BYTES = 128 * 1024 * 1024;

export const DEFAULT_DATASET_LIMITS: DatasetLimits = {
  maxUploadBytes: DATASET_MAX_UPLOAD_BYTES,
  maxItems: 5_000,
  maxFiles: 10_000,
  maxTotalBytes: 256 * 1024 * 1024,
  maxManifestBytes: 8 * 1024 * 1024,
};

/** How long one item's text may be (characters), and how many candidates it may list. */
export const DATASET_ITEM_LIMITS = {
  maxAnswerChars: 1_000,
  maxQuestionChars: 4_000,
  /** Each candidate is an answer, so maxAnswerChars applies to each. */
  maxCandidates: 256,
  maxImagePathChars: 1_000,
} as const;

export function formatSize(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 102.4) / 10} KB`;
  return `${Math.round(n / (1024 * 1024) * 10) / 10} MB`;
}
