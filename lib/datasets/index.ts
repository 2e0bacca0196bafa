/** Dataset import, pure parsing: JSONL / CSV manifests, zips and folder uploads → rows + image bytes. */
export * from "./types";
export { parseJsonlManifest } from "./jsonl";
export { parseCsvManifest, parseCsvRows, CSV_COLUMNS } from "./csv";
export { readZip, looksLikeZip } from "./zip";
export { parseUpload, expandUpload, type ParseUploadOptions } from "./upload";
export { assignSplits, DEFAULT_EVAL_FRACTION, type SplitOptions } from "./split";
export { parseSplitValue } from "./split-value";
export { normalisePath } from "./paths";
export { DEFAULT_DATASET_LIMITS, DATASET_MAX_UPLOAD_BYTES, type DatasetLimits } from "./limits";
