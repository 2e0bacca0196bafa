/**
 * The sweep contract shared by the job runner (lib/sweeps, app/api/sweeps) and the comparison UI
 * (components/comparison, app/(studio)/sweeps). Plain JSON: what the API returns.
 */

export type SweepSelection = "random" | "balanced" | "rices";
export type SweepMode = "rank" | "generate";
/** Where the cells run: the server's onnxruntime-node engine, or the browser's worker (results posted back). */
export type SweepBackend = "server" | "browser";
export type SweepStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export const DEFAULT_SHOTS: readonly number[] = [0, 1, 2, 4, 8, 16, 32];

/** The body of POST /api/sweeps (validated by a zod schema beside the route). */
export interface SweepRequest {
  name?: string;
  templateId: string;
  /** Default: the template's latest version (recorded in the sweep). */
  templateVersion?: number;
  datasetId: string;
  /** Default DEFAULT_SHOTS. */
  shots?: number[];
  /** Seeds 0 … seeds−1; default 1. */
  seeds?: number;
  /** Default ["random"]. */
  selections?: SweepSelection[];
  backend?: SweepBackend;
  mode?: SweepMode;
  /** generate mode: most new tokens (default 16). */
  maxTokens?: number;
  /** Evaluate only the first N evaluation items (default all). */
  queries?: number;
}

/** The stored, fully defaulted configuration. */
export interface SweepConfig {
  templateId: string;
  templateVersion: number;
  datasetId: string;
  shots: number[];
  seeds: number;
  selections: SweepSelection[];
  backend: SweepBackend;
  mode: SweepMode;
  maxTokens: number;
  queries: number;
  model: string;
}

export interface SweepStats {
  /** Visual-token cache hits / lookups during this sweep. */
  visualCacheHits: number;
  visualCacheLookups: number;
  /** Prefix (KV) cache hits / lookups. */
  prefixCacheHits: number;
  prefixCacheLookups: number;
  /** Milliseconds spent in the model, summed over cells. */
  modelMs: number;
  /** Wall milliseconds the sweep has been running (over restarts). */
  wallMs: number;
}

export interface SweepSummary {
  id: string;
  name: string;
  templateId: string | null;
  templateName: string | null;
  datasetId: string;
  datasetName: string;
  status: SweepStatus;
  error: string | null;
  totalCells: number;
  doneCells: number;
  /** Seconds left at the current pace; null before the first cell or when finished. */
  etaSeconds: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface SweepDetail extends SweepSummary {
  config: SweepConfig;
  stats: SweepStats;
}

/** One finished cell: an evaluation item prompted with `shots` demonstrations. */
export interface SweepCellResult {
  id: string;
  itemId: string;
  shots: number;
  seed: number;
  selection: SweepSelection;
  output: string;
  correct: boolean;
  /** generate: token F1; rank: the chosen candidate's log-likelihood. */
  score: number;
  demoItemIds: string[];
  ms: number;
}

/** One point of the accuracy-vs-shots chart: a selection strategy at a shot count, over seeds × items. */
export interface SweepCurvePoint {
  selection: SweepSelection;
  shots: number;
  n: number;
  accuracy: number;
  /** 95% interval (Wilson score interval for a proportion). */
  low: number;
  high: number;
  /** generate mode: mean token F1. */
  f1?: number;
}
