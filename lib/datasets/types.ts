/** Shapes shared by the dataset parsers (pure: no database, no image decoding). */

/** "pool": demonstrations are drawn from it; "eval": the queries a sweep scores. */
export type Split = "pool" | "eval";

/** One file of an upload: a zip entry, a file of a folder upload, or a lone file. */
export interface UploadedFile {
  /** Normalised relative path (paths.ts), e.g. "mydata/emoji/a.png". */
  path: string;
  bytes: Uint8Array;
}

/** One row of a dataset manifest, before its image is read. */
export interface ManifestItem {
  /** Image path relative to the manifest, as written. */
  image: string;
  question?: string;
  answer: string;
  candidates?: string[];
  split?: Split;
  /** "data.jsonl:3": where the row is, for error messages. */
  where: string;
}

/** A parsed upload: the rows, each with its image file resolved. */
export interface ParsedDataset {
  /** Path of the JSONL or CSV file inside the upload. */
  manifest: string;
  items: (ManifestItem & { imagePath: string })[];
  /** Image files by normalised path (only those the rows name). */
  images: Map<string, Uint8Array>;
}
