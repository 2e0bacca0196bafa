/** The new-comparison form's pure parts: defaults, the request it sends, the cell count, and API errors placed on fields. */
import { DEFAULT_SWEEP_MODEL } from "../limits";
import { DEFAULT_SHOTS, SWEEP_DEFAULTS, type SweepConfig, type SweepRequest } from "../types";

/** Most engines one sweep may run (the server's limit too). */
export const MAX_SWEEP_ENGINES = 8;

/**
 * A sweep's configuration as the form edits it (the server picks the model), and a name.
 * `engines`: the registry ids the server backend runs (ignored by the browser backend, which runs
 * the bundled model in the tab, or the transformers.js engine `browserEngine`).
 */
export interface SweepFormState extends Omit<SweepConfig, "model"> {
  name: string;
  /** 0 = the latest version. */
  templateVersion: number;
  /** 0 = every evaluation item. */
  queries: number;
  /** Browser backend: the transformers.js engine to run in the tab ("" or absent: the bundled model). */
  browserEngine?: string;
}

export const FORM_DEFAULTS: Omit<SweepFormState, "templateId" | "datasetId"> = {
  ...SWEEP_DEFAULTS,
  name: "",
  templateVersion: 0,
  shots: [...SWEEP_DEFAULTS.shots],
  selections: [...SWEEP_DEFAULTS.selections],
  engines: [DEFAULT_SWEEP_MODEL],
  queries: 0,
};

/** Shot counts offered as chips (any other count can be typed in). */
export const SHOT_CHIPS: readonly number[] = DEFAULT_SHOTS;

export function toggleShot(shots: number[], n: number): number[] {
  return shots.includes(n) ? shots.filter((s) => s !== n) : [...shots, n].sort((a, b) => a - b);
}

/** "3, 5 12" → [3, 5, 12]; anything that is not a whole number ≥ 0 is reported, not dropped silently. */
export function parseShotList(text: string): { shots: number[]; invalid: string[] } {
  const pieces = text.split(/[\s,;/]+/).filter(Boolean);
  const shots: number[] = [];
  const invalid: string[] = [];
  for (const p of pieces) {
    if (/^\d{1,3}$/.test(p)) shots.push(Number(p));
    else invalid.push(p);
  }
  return { shots, invalid };
}

/** The POST /api/sweeps body; defaults are left to the server (so the stored config says what ran). */
export function toRequest(f: SweepFormState): SweepRequest {
  return {
    ...(f.name.trim() ? { name: f.name.trim() } : {}),
    templateId: f.templateId,
    ...(f.templateVersion > 0 ? { templateVersion: f.templateVersion } : {}),
    datasetId: f.datasetId,
    shots: [...f.shots].sort((a, b) => a - b),
    seeds: f.seeds,
    selections: f.selections,
    backend: f.backend,
    ...(f.backend === "server" ? { engines: [...new Set(f.engines)] } : f.browserEngine ? { engines: [f.browserEngine] } : {}),
    mode: f.mode,
    ...(f.mode === "generate" ? { maxTokens: f.maxTokens } : {}),
    ...(f.queries > 0 ? { queries: f.queries } : {}),
  };
}

/** How many engines run every cell: the chosen ones on the server, the bundled model in the browser. */
export const engineCount = (f: Pick<SweepFormState, "engines" | "backend">): number => (f.backend === "server" ? new Set(f.engines).size : 1);

/** Cells the sweep will run: queries × shots × (seeds per random/balanced selection, 1 for RICES) × engines. */
export function cellCount(f: Pick<SweepFormState, "shots" | "seeds" | "selections" | "queries" | "engines" | "backend">, evalCount: number): number {
  const queries = f.queries > 0 ? Math.min(f.queries, evalCount) : evalCount;
  const perQuery = f.selections.reduce((s, sel) => s + (sel === "rices" ? 1 : Math.max(1, f.seeds)), 0);
  return queries * new Set(f.shots).size * perQuery * engineCount(f);
}

export type FieldName = "name" | "templateId" | "templateVersion" | "datasetId" | "shots" | "seeds" | "selections" | "backend" | "engines" | "mode" | "maxTokens" | "queries" | "form";

const FIELDS = new Set<FieldName>(["name", "templateId", "templateVersion", "datasetId", "shots", "seeds", "selections", "backend", "engines", "mode", "maxTokens", "queries"]);

/** The API's error details grouped by the field their path starts with ("form" for the rest). */
export function fieldErrors(details: { path?: (string | number)[]; message: string }[]): Partial<Record<FieldName, string[]>> {
  const out: Partial<Record<FieldName, string[]>> = {};
  for (const d of details) {
    const head = d.path?.[0];
    const field: FieldName = typeof head === "string" && FIELDS.has(head as FieldName) ? (head as FieldName) : "form";
    (out[field] ??= []).push(d.message);
  }
  return out;
}

/** Client-side checks that save a round trip (the server checks everything again). */
export function localErrors(f: SweepFormState): Partial<Record<FieldName, string[]>> {
  const out: Partial<Record<FieldName, string[]>> = {};
  if (!f.templateId) out.templateId = ["Choose a template"];
  if (!f.datasetId) out.datasetId = ["Choose a dataset"];
  if (f.shots.length === 0) out.shots = ["Choose at least one shot count"];
  if (f.selections.length === 0) out.selections = ["Choose at least one selection strategy"];
  if (f.backend === "server" && f.engines.length === 0) out.engines = ["Choose at least one engine"];
  else if (f.backend === "server" && new Set(f.engines).size > MAX_SWEEP_ENGINES) out.engines = [`At most ${MAX_SWEEP_ENGINES} engines`];
  if (!Number.isInteger(f.seeds) || f.seeds < 1 || f.seeds > 10) out.seeds = ["Seeds: a whole number from 1 to 10"];
  if (!Number.isInteger(f.queries) || f.queries < 0) out.queries = ["Queries: a whole number (0 or empty for all)"];
  if (f.mode === "generate" && (!Number.isInteger(f.maxTokens) || f.maxTokens < 1 || f.maxTokens > 64)) out.maxTokens = ["Max tokens: 1 to 64"];
  return out;
}

/** A template to preselect for a dataset's task: one tagged with the task (classification, vqa, captioning). */
export function suggestTemplate<T extends { tags: string[]; name: string }>(templates: T[], task: string): T | undefined {
  const words: Record<string, RegExp> = { classification: /classification/i, vqa: /^vqa$|question answering/i, captioning: /caption/i };
  const re = words[task];
  if (!re) return undefined;
  return templates.find((t) => t.tags.some((tag) => re.test(tag))) ?? templates.find((t) => re.test(t.name));
}
