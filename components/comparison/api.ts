/** Typed calls to /api/sweeps (envelopes as lib/sweeps/types.ts documents them) and the engine registry they name. */
import { apiFetch, postJson } from "@/lib/api-client";
import { hrefWith } from "@/components/ui/format";
import type { EngineSummary } from "@/lib/engines/types";
import type {
  SweepCellPrompt,
  SweepCurvePoint,
  SweepCellResult,
  SweepDetail,
  SweepPlan,
  SweepRequest,
  SweepResultsPost,
  SweepSelection,
  SweepSummary,
} from "@/lib/sweeps/types";

const base = (id: string) => `/api/sweeps/${encodeURIComponent(id)}`;

export const createSweep = (body: SweepRequest) => postJson<{ sweep: SweepDetail }>("/api/sweeps", body).then((r) => r.sweep);

export const getSweep = (id: string, signal?: AbortSignal) => apiFetch<{ sweep: SweepDetail }>(base(id), { signal, cache: "no-store" }).then((r) => r.sweep);

export const listSweeps = (filter: { datasetId?: string; templateId?: string } = {}, signal?: AbortSignal) =>
  apiFetch<{ sweeps: SweepSummary[] }>(hrefWith("/api/sweeps", filter), { signal, cache: "no-store" }).then((r) => r.sweeps);

export const getResults = (id: string, signal?: AbortSignal) => apiFetch<{ results: SweepCellResult[] }>(`${base(id)}/results`, { signal, cache: "no-store" }).then((r) => r.results);

export const getCurve = (id: string, signal?: AbortSignal) => apiFetch<{ curve: SweepCurvePoint[] }>(`${base(id)}/curve`, { signal, cache: "no-store" }).then((r) => r.curve);

export const cancelSweep = (id: string) => postJson<{ sweep: SweepDetail }>(`${base(id)}/cancel`, {}).then((r) => r.sweep);

/** "Retry failed cells": only the failed cells run again (409 when none failed). */
export const retryFailedCells = (id: string) => postJson<{ retried: number; sweep: SweepDetail }>(`${base(id)}/retry`, {});

export const deleteSweep = (id: string) => apiFetch<void>(base(id), { method: "DELETE" });

export interface CellRef {
  itemId: string;
  shots: number;
  seed: number;
  selection: SweepSelection;
}

export const getCellPrompt = (id: string, cell: CellRef, signal?: AbortSignal) =>
  apiFetch<{ prompt: SweepCellPrompt }>(hrefWith(`${base(id)}/prompt`, { itemId: cell.itemId, shots: cell.shots, seed: cell.seed, selection: cell.selection }), { signal }).then(
    (r) => r.prompt,
  );

export const getPlan = (id: string, limit: number, signal?: AbortSignal) =>
  apiFetch<{ plan: SweepPlan }>(hrefWith(`${base(id)}/plan`, { limit }), { signal, cache: "no-store" }).then((r) => r.plan);

export const postResults = (id: string, body: SweepResultsPost) =>
  postJson<{ accepted: number; duplicates: number; sweep: SweepDetail }>(`${base(id)}/results`, body);

export const exportUrl = (id: string, format: "csv" | "json") => `${base(id)}/export?format=${format}`;

/** The registered engines (GET /api/engines): the form's choices and the names of a sweep's engines. */
export const listEngines = (signal?: AbortSignal) => apiFetch<{ engines: EngineSummary[] }>("/api/engines", { signal, cache: "no-store" }).then((r) => r.engines);
