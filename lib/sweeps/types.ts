/**
 * The sweep contract shared by the job runner (lib/sweeps, app/api/sweeps) and the comparison UI
 * (components/comparison, app/(studio)/sweeps). Plain JSON: what the API returns.
 */
import type { RankMethod } from "@/lib/backends/contract";
import { DEFAULT_MAX_TOKENS } from "./limits";

export type SweepSelection = "random" | "balanced" | "rices";
export type SweepMode = "rank" | "generate";
/** Where the cells run: the server's onnxruntime-node engine, or the browser's worker (results posted back). */
export type SweepBackend = "server" | "browser";
export type SweepStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export const DEFAULT_SHOTS: readonly number[] = [0, 1, 2, 4, 8, 16, 32];

/** What a request leaves out: the server stores these, and the new-comparison form starts from them. */
export const SWEEP_DEFAULTS: {
  readonly shots: readonly number[];
  readonly seeds: number;
  readonly selections: readonly SweepSelection[];
  readonly backend: SweepBackend;
  readonly mode: SweepMode;
  readonly maxTokens: number;
} = { shots: DEFAULT_SHOTS, seeds: 1, selections: ["random"], backend: "server", mode: "rank", maxTokens: DEFAULT_MAX_TOKENS };

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
  /** Server backend: the registered engines to run the same plan on (default: the bundled model). Browser backend: one, the bundled model (default) or a transformers.js engine. */
  engines?: string[];
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
  /**
   * Registry ids of the engines that run the plan, each over every cell ("" in sweeps made before
   * engines existed: the bundled `model`). A browser sweep runs one: the bundled model ([model]) or
   * a transformers.js engine (run in the tab's transformers.js worker).
   */
  engines: string[];
  mode: SweepMode;
  maxTokens: number;
  queries: number;
  /** The bundled model: RICES features come from its vision encoder whatever the engines. */
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
  /** Token counts the engines reported, summed over cells. */
  promptTokens: number;
  completionTokens: number;
  /** Requests sent again after a 429, a 5xx or a timeout. */
  retries: number;
  /** Cells stored as failed (their engine kept failing); "Retry failed cells" runs them again. */
  failedCells: number;
  /** Rank mode: how many cells each method ranked (exact on bundled engines; remote ones say what they offer). */
  rankMethods?: Partial<Record<RankMethod, number>>;
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
  /** Who started it: a name (or e-mail); null in local mode or when the account is gone. */
  createdBy: string | null;
}

export interface SweepDetail extends SweepSummary {
  config: SweepConfig;
  stats: SweepStats;
}

/** One finished cell: an evaluation item prompted with `shots` demonstrations. */
export interface SweepCellResult {
  id: string;
  /** The engine that ran it (registry id; "" in sweeps made before engines). */
  engine: string;
  itemId: string;
  shots: number;
  seed: number;
  selection: SweepSelection;
  output: string;
  correct: boolean;
  /** generate: token F1; rank: the chosen candidate's log-likelihood. */
  score: number;
  demoItemIds: string[];
  /** Latency of the cell's engine call(s), queueing and network included. */
  ms: number;
  /** Why it failed after its last attempt; null when it ran. A failed cell is not counted in the curve. */
  error: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
}

/** One point of the accuracy-vs-shots chart: a selection strategy at a shot count, over seeds × items. */
export interface SweepCurvePoint {
  engine: string;
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

/* ------------------------------------------------------------------------------------------------
 * Routes (added by the job runner; responses follow the rest of the API: one named envelope each,
 * errors `{ error: { code, message, details? } }` with a 4xx status):
 *
 *   POST   /api/sweeps                          body SweepRequest            → 201 { sweep: SweepDetail }
 *   GET    /api/sweeps[?datasetId&templateId]                                → { sweeps: SweepSummary[] } (newest first)
 *   GET    /api/sweeps/:id                                                   → { sweep: SweepDetail }
 *   DELETE /api/sweeps/:id                                                   → 204 (results deleted too)
 *   POST   /api/sweeps/:id/cancel                                            → { sweep: SweepDetail } (status "cancelled", results kept)
 *   GET    /api/sweeps/:id/results                                           → { results: SweepCellResult[] }
 *   GET    /api/sweeps/:id/curve                                             → { curve: SweepCurvePoint[] }
 *   GET    /api/sweeps/:id/export?format=csv|json                            → a download (SweepExportRow[] as JSON, or CSV)
 *   GET    /api/sweeps/:id/prompt?itemId&shots&seed&selection                → { prompt: SweepCellPrompt }
 *   GET    /api/sweeps/:id/plan[?limit=N]   (backend "browser")              → { plan: SweepPlan }
 *   POST   /api/sweeps/:id/results          (backend "browser") body SweepResultsPost → { accepted, duplicates, sweep: SweepDetail }
 *
 * Seeds and RICES: RICES is deterministic (no randomness to vary), so its cells exist for seed 0 only;
 * random and balanced cells exist for every seed. totalCells counts exactly the cells that exist.
 * Balanced demonstrations are dealt round-robin over the answers (A B A B …), so a k-shot prompt is the
 * start of the 2k-shot one. RICES similarities come from the server engine's visual features, also for
 * browser sweeps (the plan carries the chosen demonstrations). How a template lays out an item:
 * lib/sweeps/template.ts (the query's one image slot takes the item's image, {{question}} its question).
 * ---------------------------------------------------------------------------------------------- */

/** A dataset item as a sweep uses it (a demonstration or a query). */
export interface SweepItemRef {
  id: string;
  assetId: string;
  question: string | null;
  answer: string;
}

/** One cell still to run, with everything a browser worker needs to run it. */
export interface SweepPlanCell {
  itemId: string;
  shots: number;
  seed: number;
  selection: SweepSelection;
  /** Demonstration item ids in prompt order (RICES: the most similar last). */
  demoItemIds: string[];
  /** The rendered prompt (lib/prompt PromptSequence: `{ parts: [{type:"text",text}|{type:"image",assetId}|{type:"endOfChunk"}] }`). */
  prompt: { parts: ({ type: "text"; text: string } | { type: "image"; assetId: string } | { type: "endOfChunk" })[] };
  /** rank mode: the candidate answers to score, in this order (post one score per candidate). */
  candidates?: string[];
}

/**
 * GET /api/sweeps/:id/plan: the next `limit` (default 32, at most 256) unfinished cells in run order
 * (cells sharing demonstrations are adjacent, so the worker's prefix cache is reused). Fetch, run,
 * post, and fetch again until `remaining` is 0. Only for backend "browser" sweeps that are not
 * cancelled; the first post moves the sweep from "queued" to "running", the last one to "done".
 */
export interface SweepPlan {
  sweepId: string;
  mode: SweepMode;
  model: string;
  /** generate mode: most new tokens; greedy decoding, stop at `<|endofchunk|>`. */
  maxTokens: number;
  /** Unfinished cells in all (this page included). */
  remaining: number;
  totalCells: number;
  cells: SweepPlanCell[];
}

/**
 * One finished cell posted by the browser. The server recomputes correctness and score from the
 * dataset (never trusted from the client): generate mode sends `output` (the generated text); rank
 * mode sends `scores`, the summed log-likelihood of each plan candidate in plan order.
 */
export interface SweepCellPost {
  itemId: string;
  shots: number;
  seed: number;
  selection: SweepSelection;
  output?: string;
  scores?: number[];
  /** Milliseconds the cell took in the worker. */
  ms: number;
}

/** POST /api/sweeps/:id/results body (at most 512 cells). Idempotent: a cell already stored is a duplicate, not an error. */
export interface SweepResultsPost {
  cells: SweepCellPost[];
  /** Optional cache counters of the worker since the last post (added to the sweep's stats). */
  stats?: Partial<Pick<SweepStats, "visualCacheHits" | "visualCacheLookups" | "prefixCacheHits" | "prefixCacheLookups" | "modelMs">>;
}

/** GET /api/sweeps/:id/prompt: the exact prompt of one cell (stored demonstrations when the cell has run). */
export interface SweepCellPrompt {
  itemId: string;
  shots: number;
  seed: number;
  selection: SweepSelection;
  demoItemIds: string[];
  /** The demonstrations and the query, in prompt order, for showing images beside the text. */
  demonstrations: SweepItemRef[];
  query: SweepItemRef;
  /** lib/prompt serializePrompt: `<image>Output:dax<|endofchunk|>\n<image>Output:`. */
  text: string;
  /** Asset ids in the order of the `<image>` markers of `text`. */
  images: string[];
  candidates?: string[];
}

/** One row of the export (JSON array; the CSV has the same columns, demoItemIds joined by spaces): a result with its item. */
export interface SweepExportRow extends Omit<SweepCellResult, "id"> {
  assetId: string;
  question: string | null;
  answer: string;
}
