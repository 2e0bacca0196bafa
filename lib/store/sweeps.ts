/**
 * Sweeps and their results. A result row is written once per cell: the unique key (sweep, item,
 * shots, seed, selection) makes every insert "if absent", so a resumed or re-posted cell never
 * duplicates, and doneCells is always recounted from the rows, never incremented blindly.
 */
import "server-only";
import { AppError, notFound } from "@/lib/errors";
import type { Template } from "@/lib/prompt/schema";
import type { SweepCellResult, SweepConfig, SweepDetail, SweepSelection, SweepStats, SweepStatus, SweepSummary } from "@/lib/sweeps/types";
import { db } from "./db";
import { iso, newId, parseStoredJson } from "./util";

/** What Sweep.config holds: the defaulted configuration plus the template document it ran with. */
export interface StoredSweepConfig extends SweepConfig {
  template: Template;
}

/** The process that runs a sweep, kept in Sweep.stats so a restart can tell a dead runner from a live one. */
export interface SweepOwner {
  id: string;
  host: string;
  pid: number;
}

/** Sweep.stats as stored: the public counters plus the owner. */
export interface StoredSweepStats extends SweepStats {
  owner?: SweepOwner;
}

export const EMPTY_STATS: SweepStats = { visualCacheHits: 0, visualCacheLookups: 0, prefixCacheHits: 0, prefixCacheLookups: 0, modelMs: 0, wallMs: 0, promptTokens: 0, completionTokens: 0, retries: 0, failedCells: 0 };

export interface SweepRecord {
  detail: SweepDetail;
  config: StoredSweepConfig;
  stats: StoredSweepStats;
  heartbeatAt: Date | null;
}

interface SweepRow {
  id: string;
  name: string;
  templateId: string | null;
  templateVersion: number | null;
  datasetId: string;
  config: string;
  status: string;
  error: string | null;
  totalCells: number;
  doneCells: number;
  stats: string;
  heartbeatAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  dataset: { name: string };
  createdBy?: { name: string; email: string } | null;
}

const withDataset = { dataset: { select: { name: true } }, createdBy: { select: { name: true, email: true } } } as const;

function readStats(text: string): StoredSweepStats {
  return { ...EMPTY_STATS, ...parseStoredJson<Partial<StoredSweepStats>>(text) };
}

function toSummary(row: SweepRow, config: StoredSweepConfig, stats: SweepStats): SweepSummary {
  const status = row.status as SweepStatus;
  const left = row.totalCells - row.doneCells;
  const eta = status === "running" && row.doneCells > 0 && stats.wallMs > 0 && left > 0 ? Math.round(((stats.wallMs / row.doneCells) * left) / 1000) : null;
  return {
    id: row.id,
    name: row.name,
    templateId: row.templateId,
    templateName: config.template.name,
    datasetId: row.datasetId,
    datasetName: row.dataset.name,
    status,
    error: row.error,
    totalCells: row.totalCells,
    doneCells: row.doneCells,
    etaSeconds: eta,
    createdAt: iso(row.createdAt),
    startedAt: row.startedAt ? iso(row.startedAt) : null,
    finishedAt: row.finishedAt ? iso(row.finishedAt) : null,
    createdBy: row.createdBy ? row.createdBy.name || row.createdBy.email : null,
  };
}

function toRecord(row: SweepRow): SweepRecord {
  const stored = parseStoredJson<StoredSweepConfig>(row.config);
  // Sweeps made before engines ran the bundled model; their results carry engine "".
  const config: StoredSweepConfig = { ...stored, engines: stored.engines ?? [""] };
  const stats = readStats(row.stats);
  const { template: _t, ...publicConfig } = config;
  const { owner: _o, ...publicStats } = stats;
  return { detail: { ...toSummary(row, config, stats), config: publicConfig, stats: publicStats }, config, stats, heartbeatAt: row.heartbeatAt };
}

export interface InsertSweepInput {
  name: string;
  templateId: string;
  templateVersion: number;
  datasetId: string;
  config: StoredSweepConfig;
  totalCells: number;
  /** Who started it (null in local mode). */
  createdById?: string | null;
  /** The workspace it belongs to (default: the local one). */
  workspaceId?: string;
}

export async function insertSweep(input: InsertSweepInput): Promise<SweepDetail> {
  const id = newId();
  await db().sweep.create({
    data: {
      id,
      name: input.name,
      templateId: input.templateId,
      templateVersion: input.templateVersion,
      datasetId: input.datasetId,
      config: JSON.stringify(input.config),
      totalCells: input.totalCells,
      stats: JSON.stringify(EMPTY_STATS),
      createdById: input.createdById ?? null,
      workspaceId: input.workspaceId ?? "local",
    },
  });
  return getSweep(id);
}

export async function getSweepRecord(id: string): Promise<SweepRecord> {
  const row = await db().sweep.findUnique({ where: { id }, include: withDataset });
  if (!row) throw notFound("Sweep", id);
  return toRecord(row);
}

export async function getSweep(id: string): Promise<SweepDetail> {
  return (await getSweepRecord(id)).detail;
}

/** Newest first. */
export async function listSweeps(q: { datasetId?: string; templateId?: string; status?: SweepStatus[]; workspaces?: readonly string[] | null } = {}): Promise<SweepSummary[]> {
  const rows = await db().sweep.findMany({
    where: { ...(q.workspaces ? { workspaceId: { in: [...q.workspaces] } } : {}), ...(q.datasetId ? { datasetId: q.datasetId } : {}), ...(q.templateId ? { templateId: q.templateId } : {}), ...(q.status ? { status: { in: q.status } } : {}) },
    include: withDataset,
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });
  return rows.map((r) => toRecord(r).detail).map(({ config: _c, stats: _s, ...summary }) => summary);
}

/** Sweeps a runner may pick up: queued, or running (the caller decides whether the runner died). Oldest first. */
export async function listActiveSweeps(): Promise<SweepRecord[]> {
  const rows = await db().sweep.findMany({ where: { status: { in: ["queued", "running"] } }, include: withDataset, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map(toRecord);
}

export async function deleteSweep(id: string): Promise<void> {
  const { count } = await db().sweep.deleteMany({ where: { id } });
  if (count === 0) throw notFound("Sweep", id);
}

/**
 * Queued or running → cancelled (results kept); cancelling a cancelled sweep is a no-op; a finished one
 * is a conflict. The status change takes the sweep row's lock, which every result insert holds
 * (insertSweepResults): so once this returns, no batch that was in flight is stored after it, and
 * doneCells is the final count of the cells kept.
 */
export async function cancelSweep(id: string): Promise<SweepDetail> {
  const count = await db().$transaction(async (tx) => {
    const { count } = await tx.sweep.updateMany({ where: { id, status: { in: ["queued", "running"] } }, data: { status: "cancelled", finishedAt: new Date() } });
    if (count > 0) await tx.sweep.update({ where: { id }, data: { doneCells: await tx.sweepResult.count({ where: { sweepId: id } }) } });
    return count;
  }, TX_WAIT);
  const detail = await getSweep(id);
  if (count === 0 && detail.status !== "cancelled") throw new AppError("conflict", `The sweep is already ${detail.status}; only a queued or running sweep can be cancelled`);
  return detail;
}

/**
 * Take a sweep for this runner if nobody else took it since it was read: the (status, heartbeatAt)
 * seen acts as the version. Sets it running with a fresh heartbeat and this owner.
 */
export async function claimSweep(record: SweepRecord, owner: SweepOwner): Promise<boolean> {
  const now = new Date();
  const { count } = await db().sweep.updateMany({
    where: { id: record.detail.id, status: record.detail.status, heartbeatAt: record.heartbeatAt },
    data: { status: "running", heartbeatAt: now, startedAt: record.detail.startedAt ? new Date(record.detail.startedAt) : now, stats: JSON.stringify({ ...record.stats, owner }) },
  });
  return count === 1;
}

/** A cell's result before it is stored (the store gives it its id). */
export type ResultInput = Omit<SweepCellResult, "id">;

/** What insertSweepResults did: `open` is false when the sweep no longer takes results (cancelled, finished, failed or deleted). */
export interface InsertedResults {
  accepted: number;
  duplicates: number;
  open: boolean;
}

/**
 * Insert each result unless its cell is already stored, in one transaction and only while the sweep
 * is queued or running. The first statement writes the sweep's row, taking its lock (a row lock on
 * PostgreSQL, the write lock on SQLite) before anything is read: a cancel either lands before (and
 * this batch is refused whole) or waits until the batch is stored (and counts it).
 */
export async function insertSweepResults(sweepId: string, rows: readonly ResultInput[]): Promise<InsertedResults> {
  return db().$transaction(async (tx) => {
    const { count } = await tx.sweep.updateMany({ where: { id: sweepId, status: { in: ["queued", "running"] } }, data: { updatedAt: new Date() } });
    if (count === 0) return { accepted: 0, duplicates: 0, open: false };
    const stored = await tx.sweepResult.findMany({
      where: { sweepId, OR: rows.map((r) => ({ engine: r.engine, itemId: r.itemId, shots: r.shots, seed: r.seed, selection: r.selection })) },
      select: { engine: true, itemId: true, shots: true, seed: true, selection: true },
    });
    const seen = new Set(stored.map(resultKey));
    const fresh: ResultInput[] = [];
    for (const r of rows) {
      if (seen.has(resultKey(r))) continue;
      seen.add(resultKey(r));
      fresh.push(r);
    }
    if (fresh.length > 0) {
      await tx.sweepResult.createMany({
        data: fresh.map((r) => ({
          id: newId(),
          sweepId,
          itemId: r.itemId,
          shots: r.shots,
          seed: r.seed,
          selection: r.selection,
          output: r.output,
          correct: r.correct,
          score: Number.isFinite(r.score) ? r.score : 0,
          demoItemIds: JSON.stringify(r.demoItemIds),
          ms: r.ms,
          engine: r.engine,
          error: r.error === null ? null : r.error.slice(0, 1000),
          promptTokens: r.promptTokens,
          completionTokens: r.completionTokens,
        })),
      });
    }
    return { accepted: fresh.length, duplicates: rows.length - fresh.length, open: true };
  }, TX_WAIT);
}

/** A loaded machine can queue transactions for a while: wait rather than fail a batch. */
const TX_WAIT = { maxWait: 15_000, timeout: 30_000 };

/** A stored cell's key: the engine, then cellKey's order (item|shots|seed|selection). */
export const resultKey = (r: { engine: string; itemId: string; shots: number; seed: number; selection: string }): string => `${r.engine}|${r.itemId}|${r.shots}|${r.seed}|${r.selection}`;

type ResultRow = { id: string; engine: string; itemId: string; shots: number; seed: number; selection: string; output: string; correct: boolean; score: number; demoItemIds: string; ms: number; error: string | null; promptTokens: number | null; completionTokens: number | null };

function toResult(r: ResultRow): SweepCellResult {
  return {
    id: r.id,
    engine: r.engine,
    itemId: r.itemId,
    shots: r.shots,
    seed: r.seed,
    selection: r.selection as SweepSelection,
    output: r.output,
    correct: r.correct,
    score: r.score,
    demoItemIds: parseStoredJson<string[]>(r.demoItemIds),
    ms: r.ms,
    error: r.error,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
  };
}

export async function listSweepResults(sweepId: string): Promise<SweepCellResult[]> {
  const exists = await db().sweep.findUnique({ where: { id: sweepId }, select: { id: true } });
  if (!exists) throw notFound("Sweep", sweepId);
  const rows = await db().sweepResult.findMany({ where: { sweepId }, orderBy: [{ engine: "asc" }, { selection: "asc" }, { seed: "asc" }, { shots: "asc" }, { itemId: "asc" }] });
  return rows.map(toResult);
}

/** One stored cell (any engine's: they share the plan, so the same demonstrations), or null when none ran. */
export async function findSweepResult(sweepId: string, key: { itemId: string; shots: number; seed: number; selection: SweepSelection }): Promise<SweepCellResult | null> {
  const r = await db().sweepResult.findFirst({ where: { sweepId, ...key }, orderBy: { engine: "asc" } });
  return r ? toResult(r) : null;
}

/**
 * "Retry failed cells": remove the failed rows and queue the sweep again (its runner skips every cell
 * still stored). Returns how many cells will run again; 0 leaves the sweep as it is.
 */
export async function requeueFailedCells(sweepId: string): Promise<number> {
  return db().$transaction(async (tx) => {
    const row = await tx.sweep.findUnique({ where: { id: sweepId }, select: { status: true, stats: true } });
    if (!row) throw notFound("Sweep", sweepId);
    const { count } = await tx.sweepResult.deleteMany({ where: { sweepId, NOT: { error: null } } });
    if (count === 0) return 0;
    const doneCells = await tx.sweepResult.count({ where: { sweepId } });
    const stats = { ...readStats(row.stats), failedCells: 0 };
    const status = row.status === "running" ? "running" : "queued";
    await tx.sweep.update({ where: { id: sweepId }, data: { status, doneCells, error: null, finishedAt: null, stats: JSON.stringify(stats) } });
    return count;
  }, TX_WAIT);
}

/**
 * Record progress: doneCells recounted from the rows, stats replaced, heartbeat now, and — when
 * every cell is stored — status done. Only applies while the sweep is in `from` (running, or queued
 * for a browser sweep's first post); returns the status after, so a runner sees a cancel or delete
 * (null when the sweep is gone).
 */
export async function recordSweepProgress(sweepId: string, stats: StoredSweepStats, from: SweepStatus[] = ["running"]): Promise<SweepStatus | null> {
  const row = await db().sweep.findUnique({ where: { id: sweepId }, select: { totalCells: true, startedAt: true } });
  if (!row) return null;
  const doneCells = await db().sweepResult.count({ where: { sweepId } });
  stats = { ...stats, failedCells: await db().sweepResult.count({ where: { sweepId, NOT: { error: null } } }) };
  const now = new Date();
  const finished = doneCells >= row.totalCells;
  const { count } = await db().sweep.updateMany({
    where: { id: sweepId, status: { in: from } },
    data: { doneCells, stats: JSON.stringify(stats), heartbeatAt: now, startedAt: row.startedAt ?? now, ...(finished ? { status: "done", finishedAt: now } : { status: "running" }) },
  });
  // Cancelled meanwhile: the cells that finished are kept, and counted.
  if (count === 0) await db().sweep.updateMany({ where: { id: sweepId }, data: { doneCells } });
  const after = await db().sweep.findUnique({ where: { id: sweepId }, select: { status: true } });
  return after ? (after.status as SweepStatus) : null;
}

/** Keep a running sweep's heartbeat fresh (while one long cell runs). */
export async function touchSweep(sweepId: string): Promise<void> {
  await db().sweep.updateMany({ where: { id: sweepId, status: "running" }, data: { heartbeatAt: new Date() } });
}

/** A running sweep that cannot go on (the model failed to load, say). */
export async function failSweep(sweepId: string, error: string): Promise<void> {
  await db().sweep.updateMany({ where: { id: sweepId, status: { in: ["queued", "running"] } }, data: { status: "failed", error: error.slice(0, 1000), finishedAt: new Date() } });
}

/** A dataset's name (404 when it does not exist). */
export async function getDatasetName(datasetId: string): Promise<string> {
  const row = await db().dataset.findUnique({ where: { id: datasetId }, select: { name: true } });
  if (!row) throw notFound("Dataset", datasetId);
  return row.name;
}

/** Keys (resultKey: engine|item|shots|seed|selection) of the cells already stored. */
export async function storedCellKeys(sweepId: string): Promise<Set<string>> {
  const rows = await db().sweepResult.findMany({ where: { sweepId }, select: { engine: true, itemId: true, shots: true, seed: true, selection: true } });
  return new Set(rows.map(resultKey));
}
