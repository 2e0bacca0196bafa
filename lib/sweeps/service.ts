/** What the sweep routes do: create (validated against template and dataset), plan and results for the browser, a cell's prompt, export. */
import "server-only";
import { AppError, isAppError } from "@/lib/errors";
import { imagesOf, serializePrompt } from "@/lib/prompt/sequence";
import { DEFAULT_LIMITS } from "@/lib/backends/server/limits";
import { getDatasetItems, getTemplate, getTemplateVersion, type DatasetItemRow } from "@/lib/store";
import { getEngine } from "@/lib/engines";
import { findSweepResult, getDatasetName, getSweep, insertSweep, insertSweepResults, listSweepResults, recordSweepProgress, resultKey, storedCellKeys, type StoredSweepConfig } from "@/lib/store/sweeps";
import { csvRow } from "@/lib/text";
import { itemRef, loadSweepContext, materialize, splitItems, sweepPlan, type SweepContext } from "./context";
import { judgeGenerate, judgeRank } from "./curve";
import { DEFAULT_SWEEP_MODEL } from "./limits";
import { candidatesOf, cellKey, countCells, planCells, seedsOf, type PlannedCell } from "./plan";
import { sweepRunner } from "./runner";
import type { SweepRequestBody, SweepResultsPostBody } from "./schema";
import { sweepLayout } from "./template";
import { SWEEP_DEFAULTS, type SweepCellPrompt, type SweepDetail, type SweepExportRow, type SweepPlan, type SweepSelection } from "./types";

const bad = (message: string) => new AppError("bad_request", message);

/** Validate a request against its template and dataset, store the sweep (queued) and wake the runner. */
export async function createSweep(req: SweepRequestBody, createdById: string | null = null, workspaceId?: string): Promise<SweepDetail> {
  const version = req.templateVersion ?? (await getTemplate(req.templateId)).latestVersion;
  const { document: template } = await getTemplateVersion(req.templateId, version);
  const layout = sweepLayout(template);
  const datasetName = await getDatasetName(req.datasetId);
  const items = await getDatasetItems(req.datasetId);
  const shots = [...new Set(req.shots ?? SWEEP_DEFAULTS.shots)].sort((a, b) => a - b);
  const selections = [...new Set(req.selections ?? SWEEP_DEFAULTS.selections)];
  const evalCount = items.filter((i) => i.split === "eval").length;
  const backend = req.backend ?? SWEEP_DEFAULTS.backend;
  const engines = backend === "browser" ? await checkBrowserEngines(req.engines) : await checkEngines(req.engines ?? [DEFAULT_SWEEP_MODEL]);
  const config: StoredSweepConfig = {
    templateId: req.templateId,
    templateVersion: version,
    datasetId: req.datasetId,
    shots,
    seeds: req.seeds ?? SWEEP_DEFAULTS.seeds,
    selections,
    backend,
    engines,
    mode: req.mode ?? SWEEP_DEFAULTS.mode,
    maxTokens: req.maxTokens ?? SWEEP_DEFAULTS.maxTokens,
    queries: Math.min(req.queries ?? evalCount, evalCount),
    model: DEFAULT_SWEEP_MODEL,
    template,
  };
  checkDataset(config, items, layout, datasetName);
  const detail = await insertSweep({
    name: req.name ?? (await (await import("./naming")).newSweepName({ template: template.name, dataset: datasetName, mode: config.mode, backend: config.backend, datasetId: req.datasetId })),
    templateId: req.templateId,
    templateVersion: version,
    datasetId: req.datasetId,
    config,
    totalCells: countCells(config, config.queries) * engines.length,
    createdById,
    workspaceId,
  });
  if (config.backend === "server") sweepRunner().kick();
  return detail;
}

/** The engines exist (a 400 beside the field names the one that does not); duplicates dropped, order kept. Server sweeps: none runs in the browser only. */
async function checkEngines(ids: readonly string[], where: "server" | "browser" = "server"): Promise<string[]> {
  const unique = [...new Set(ids)];
  for (const id of unique) {
    let kind: string;
    try {
      kind = (await getEngine(id)).kind;
    } catch (e) {
      if (!isAppError(e) || e.status !== 404) throw e;
      throw new AppError("validation_failed", `${e.message}: pick a registered engine (see Engines)`, { details: [{ path: ["engines", ids.indexOf(id)], message: e.message }] });
    }
    const message =
      where === "server" && kind === "transformersjs"
        ? `Engine "${id}" is a transformers.js model that runs in the browser only: make it a browser sweep`
        : where === "browser" && kind === "openai"
          ? `Engine "${id}" is a remote engine: a browser sweep runs the bundled model or a transformers.js engine (make it a server sweep)`
          : null;
    if (message) throw new AppError("validation_failed", message, { details: [{ path: ["engines", ids.indexOf(id)], message }] });
  }
  return unique;
}

/** A browser sweep runs one engine in the tab: the bundled model (the default) or a transformers.js engine. */
async function checkBrowserEngines(ids: readonly string[] | undefined): Promise<string[]> {
  if (!ids) return [DEFAULT_SWEEP_MODEL];
  const unique = await checkEngines(ids, "browser");
  if (unique.length !== 1) throw new AppError("validation_failed", "A browser sweep runs one engine: pick one", { details: [{ path: ["engines"], message: "pick one engine for a browser sweep" }] });
  return unique;
}

/** The engine a browser sweep's results are stored under (the bundled model or the transformers.js engine it runs). */
const browserEngine = (ctx: SweepContext) => ctx.record.config.engines[0] ?? "";

/** Everything that would make the sweep fail later, as one actionable 400 now. */
function checkDataset(config: StoredSweepConfig, items: readonly DatasetItemRow[], layout: ReturnType<typeof sweepLayout>, datasetName: string): void {
  const { pool, queries } = splitItems(items, config.queries);
  if (queries.length === 0) throw bad(`The dataset "${datasetName}" has no evaluation items; mark some items as eval to sweep over them`);
  const maxShots = Math.max(...config.shots);
  if (maxShots > pool.length) throw bad(`${maxShots} shots need ${maxShots} demonstrations, but the dataset's pool has only ${pool.length} items; lower the shot counts or move items into the pool`);
  const maxImages = DEFAULT_LIMITS.maxImagesPerPrompt - 1 - layout.preambleImages;
  if (maxShots > maxImages) throw bad(`${maxShots} shots would put ${maxShots + 1 + layout.preambleImages} images in one prompt; at most ${DEFAULT_LIMITS.maxImagesPerPrompt} are allowed`);
  const withQuestion = [...pool, ...queries].filter((i) => i.question !== null).length;
  if (layout.usesQuestion && withQuestion < pool.length + queries.length) throw bad(`The template's query asks {{question}}, but ${pool.length + queries.length - withQuestion} items of "${datasetName}" have no question; pick a template without {{question}}`);
  if (!layout.usesQuestion && withQuestion > 0) throw bad(`The items of "${datasetName}" have questions, but the template's query has no {{question}} to show them; pick a VQA-style template (a text variable named question in the query)`);
  if (config.mode === "rank") {
    const answers = items.map((i) => i.answer);
    for (const q of queries) {
      const c = candidatesOf(q, answers);
      if (c.length < 2) throw bad(`Rank mode needs at least two candidate answers; item ${q.position + 1} has ${c.length}. Use generate mode or give items candidates`);
      if (!c.includes(q.answer)) throw bad(`Item ${q.position + 1}'s answer "${q.answer}" is not among its candidates, so it could never be right`);
    }
  }
  // Random and balanced demonstrations for every query and seed (RICES needs only enough pool items).
  const plain = config.selections.filter((s) => s !== "rices");
  try {
    const cells = planCells({ config: { ...config, shots: [maxShots], selections: plain }, pool: pool.map(itemRef), queries: queries.map(itemRef) });
    const first = cells[0];
    const query = queries[0] as DatasetItemRow;
    layout.prompt(first ? first.demos.map((d) => pool[d] as DatasetItemRow) : pool.slice(0, maxShots), query);
  } catch (e) {
    if (isAppError(e)) throw bad(`${e.message} (dataset "${datasetName}", ${maxShots} shots)`);
    throw bad(`The template cannot render a prompt from this dataset: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The exact prompt of one cell: its stored demonstrations when it ran, else the planned ones. */
export async function cellPrompt(sweepId: string, key: { itemId: string; shots: number; seed: number; selection: SweepSelection }): Promise<SweepCellPrompt> {
  const ctx = await loadSweepContext(sweepId);
  const cfg = ctx.record.config;
  const qi = ctx.queries.findIndex((q) => q.id === key.itemId);
  if (qi < 0) throw new AppError("not_found", `Item "${key.itemId}" is not one of this sweep's evaluation items`);
  if (!cfg.shots.includes(key.shots) || !cfg.selections.includes(key.selection) || !seedsOf(key.selection, cfg.seeds).includes(key.seed)) {
    throw new AppError("not_found", `This sweep has no cell with ${key.shots} shots, seed ${key.seed} and ${key.selection} selection (shots ${cfg.shots.join("/")}, seeds 0–${cfg.seeds - 1}, ${cfg.selections.join(", ")}; RICES uses seed 0 only)`);
  }
  const stored = await findSweepResult(sweepId, key);
  let demos: number[];
  if (stored) demos = stored.demoItemIds.map((id) => ctx.pool.findIndex((p) => p.id === id));
  else demos = ((await sweepPlan(ctx)).find((c) => cellKey(c) === cellKey(key)) as PlannedCell).demos;
  if (demos.some((d) => d < 0)) throw new AppError("conflict", "The dataset changed since this cell ran; its demonstrations are gone");
  const m = materialize(ctx, { ...key, query: qi, demos });
  return {
    ...key,
    demoItemIds: m.demos.map((d) => d.id),
    demonstrations: m.demos.map(itemRef),
    query: itemRef(m.query),
    text: serializePrompt(m.prompt),
    images: imagesOf(m.prompt),
    ...(m.candidates ? { candidates: m.candidates } : {}),
  };
}

function requireBrowser(ctx: SweepContext): void {
  if (ctx.record.config.backend !== "browser") throw new AppError("conflict", "This sweep runs on the server; only browser-backend sweeps take a plan and posted results");
  const s = ctx.record.detail.status;
  if (s === "cancelled" || s === "failed") throw new AppError("conflict", `The sweep is ${s}; create a new one to run it again`);
}

/** The next `limit` unfinished cells of a browser sweep, in run order. */
export async function browserPlan(sweepId: string, limit: number): Promise<SweepPlan> {
  const ctx = await loadSweepContext(sweepId);
  requireBrowser(ctx);
  const done = await storedCellKeys(sweepId);
  const left = (await sweepPlan(ctx)).filter((c) => !done.has(resultKey({ engine: browserEngine(ctx), ...c })));
  const cfg = ctx.record.config;
  return {
    sweepId,
    mode: cfg.mode,
    model: cfg.model,
    maxTokens: cfg.maxTokens,
    remaining: left.length,
    totalCells: ctx.record.detail.totalCells,
    cells: left.slice(0, limit).map((c) => {
      const m = materialize(ctx, c);
      return { itemId: c.itemId, shots: c.shots, seed: c.seed, selection: c.selection, demoItemIds: m.demos.map((d) => d.id), prompt: m.prompt, ...(m.candidates ? { candidates: m.candidates } : {}) };
    }),
  };
}

/** Store cells a browser ran: checked against the plan, judged here, inserted if absent. */
export async function postBrowserResults(sweepId: string, body: SweepResultsPostBody): Promise<{ accepted: number; duplicates: number; sweep: SweepDetail }> {
  const ctx = await loadSweepContext(sweepId);
  requireBrowser(ctx);
  const plan = new Map((await sweepPlan(ctx)).map((c) => [cellKey(c), c]));
  const rows = body.cells.map((cell, i) => {
    const planned = plan.get(cellKey(cell));
    if (!planned) throw new AppError("validation_failed", `cells[${i}]: this sweep has no such cell (item ${cell.itemId}, ${cell.shots} shots, seed ${cell.seed}, ${cell.selection})`, { details: [{ path: ["cells", i], message: "not a cell of this sweep" }] });
    const m = materialize(ctx, planned);
    let judged;
    if (ctx.record.config.mode === "rank") {
      const c = m.candidates as string[];
      if (!cell.scores || cell.scores.length !== c.length) throw new AppError("validation_failed", `cells[${i}].scores: rank mode needs one score per candidate (${c.length})`, { details: [{ path: ["cells", i, "scores"], message: `${c.length} scores expected` }] });
      judged = judgeRank(c, cell.scores, m.query.answer);
    } else {
      if (cell.output === undefined) throw new AppError("validation_failed", `cells[${i}].output: generate mode needs the generated text`, { details: [{ path: ["cells", i, "output"], message: "required" }] });
      judged = judgeGenerate(cell.output, m.query.answer);
    }
    return { engine: browserEngine(ctx), itemId: cell.itemId, shots: cell.shots, seed: cell.seed, selection: cell.selection, ...judged, demoItemIds: m.demos.map((d) => d.id), ms: cell.ms, error: null, promptTokens: null, completionTokens: null };
  });
  const res = await insertSweepResults(sweepId, rows);
  const s = { ...ctx.record.stats };
  for (const k of ["visualCacheHits", "visualCacheLookups", "prefixCacheHits", "prefixCacheLookups", "modelMs"] as const) s[k] += body.stats?.[k] ?? 0;
  const started = ctx.record.detail.startedAt ? Date.parse(ctx.record.detail.startedAt) : Date.now();
  s.wallMs = Date.now() - started;
  await recordSweepProgress(sweepId, s, ["queued", "running"]);
  return { ...res, sweep: await getSweep(sweepId) };
}

/** Every stored cell with its item (answers and image ids), for CSV/JSON export. */
export async function exportRows(sweepId: string): Promise<SweepExportRow[]> {
  const detail = await getSweep(sweepId);
  const items = new Map((await getDatasetItems(detail.datasetId)).map((i) => [i.id, i]));
  return (await listSweepResults(sweepId)).map((r) => {
    const it = items.get(r.itemId);
    const { id: _id, ...cell } = r;
    return { ...cell, engine: r.engine || detail.config.model, assetId: it?.assetId ?? "", question: it?.question ?? null, answer: it?.answer ?? "" };
  });
}

const CSV_COLUMNS: (keyof SweepExportRow)[] = ["engine", "itemId", "assetId", "question", "answer", "shots", "seed", "selection", "output", "correct", "score", "demoItemIds", "ms", "error", "promptTokens", "completionTokens"];

/**
 * RFC 4180 CSV (CRLF, quotes doubled); demoItemIds joined by spaces. Text that a spreadsheet would
 * run as a formula (an answer or output starting with =, +, -, @…) is written with a leading '
 * (lib/text.ts csvField); the numeric columns stay numbers.
 */
export function toCsv(rows: readonly SweepExportRow[]): string {
  return [csvRow(CSV_COLUMNS), ...rows.map((r) => csvRow(CSV_COLUMNS.map((c) => r[c])))].join("\r\n") + "\r\n";
}
