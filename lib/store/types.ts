/**
 * What the store hands to the rest of the app: plain serialisable objects,
 * never Prisma rows. Routes, pages and scripts import these types and the
 * domain functions in lib/store/*; only lib/store imports the Prisma client.
 */
import type { Template } from "@/lib/prompt/schema";

export type LibraryKind = "user" | "examples";

export interface LibrarySummary {
  id: string;
  /** The workspace that owns it (lib/auth decides from its members' roles). */
  workspaceId: string;
  name: string;
  description: string;
  kind: LibraryKind;
  templateCount: number;
  createdAt: string; // ISO 8601
  updatedAt: string;
}

export interface TemplateSummary {
  id: string;
  libraryId: string;
  libraryName: string;
  name: string;
  description: string;
  tags: string[];
  latestVersion: number;
  /** Image asset ids of the latest version, for thumbnails in lists. */
  previewAssetIds: string[];
  forkedFrom: { templateId: string; version: number } | null;
  updatedAt: string;
}

export interface TemplateVersionSummary {
  version: number;
  message: string | null;
  createdAt: string;
  /** Who saved it: a name (or e-mail); null in local mode or when the account is gone. */
  createdBy: string | null;
}

export interface TemplateVersionDetail extends TemplateVersionSummary {
  templateId: string;
  document: Template;
}

export interface TemplateDetail extends TemplateSummary {
  /** The latest version's document. */
  document: Template;
  /** Every version, newest first. */
  versions: TemplateVersionSummary[];
}

export interface AssetInfo {
  id: string; // lowercase hex SHA-256 of the bytes
  mediaType: "image/png" | "image/jpeg" | "image/webp" | "image/gif";
  width: number;
  height: number;
  byteSize: number;
  createdAt: string;
}

export interface TemplateQuery {
  libraryId?: string;
  /** Only these workspaces' libraries (and Examples); null or absent: all (lib/auth's readableWorkspaces). */
  workspaces?: readonly string[] | null;
  /** Case-insensitive substring of the name, description or a tag. */
  search?: string;
  /** A whole tag, case-insensitive. */
  tag?: string;
}

/** "pool": demonstrations are drawn from it; "eval": the queries a sweep scores. */
export type DatasetSplit = "pool" | "eval";

export interface DatasetItemRow {
  id: string;
  /** Order in the imported file. */
  position: number;
  split: DatasetSplit;
  /** Content-addressed image (asset id). */
  assetId: string;
  question: string | null;
  answer: string;
  candidates: string[] | null;
}

// ---------------------------------------------------------------- notebooks

export interface NotebookSummary {
  id: string;
  libraryId: string;
  libraryName: string;
  name: string;
  description: string;
  latestVersion: number;
  cellCount: number;
  runCount: number;
  updatedAt: string;
}

export interface NotebookVersionSummary {
  version: number;
  message: string | null;
  createdAt: string;
  /** Who saved it: a name (or e-mail); null in local mode or when the account is gone. */
  createdBy: string | null;
}

export interface NotebookDetail extends NotebookSummary {
  /** The latest version's document. */
  document: import("@/lib/notebook/schema").Notebook;
  /** Every version, newest first. */
  versions: NotebookVersionSummary[];
}

export interface NotebookVersionDetail extends NotebookVersionSummary {
  notebookId: string;
  document: import("@/lib/notebook/schema").Notebook;
}

export interface NotebookQuery {
  libraryId?: string;
  /** Only these workspaces' libraries (and Examples); null or absent: all. */
  workspaces?: readonly string[] | null;
  /** Case-insensitive substring of the name or description. */
  search?: string;
}

export type CellRunBackend = "browser-webgpu" | "browser-wasm" | "server" | "remote";

/** What a run produced: the generated text, or each candidate's log-likelihood. */
export type CellRunOutput =
  | { mode: "generate"; text: string; finishReason?: string }
  | { mode: "rank"; scores: { candidate: string; sum: number; mean: number; tokens: number }[] };

export interface CellRunTimings {
  /** From pressing Run to the first token (model load excluded). */
  ttftMs?: number;
  totalMs: number;
  tokens?: number;
  tokensPerSecond?: number;
  /** Browser only: loading the model before the run. */
  loadMs?: number;
}

export interface CellRunDetail {
  id: string;
  notebookId: string;
  cellId: string;
  /** The notebook version the cell was run from. */
  version: number;
  backend: CellRunBackend;
  /** The execution provider that actually ran (webgpu, wasm, cpu, cuda…). */
  provider: string;
  model: string;
  params: import("@/lib/notebook/schema").RunParams;
  /** The exact prompt the model saw. */
  prompt: import("@/lib/prompt/sequence").PromptSequence;
  output: CellRunOutput;
  timings: CellRunTimings;
  createdAt: string;
  /** Who ran it: a name (or e-mail); null in local mode or when the account is gone. */
  createdBy: string | null;
}
