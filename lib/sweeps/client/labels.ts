/** Names for sweeps side by side: say what differs between them (template, version, engines, model, mode…), not just their names. */
import type { SweepDetail, SweepMode, SweepStatus, SweepSummary } from "../types";
import { engineName, resolveEngine, type EngineNames } from "./engines";

type Labelled = Pick<SweepDetail, "name" | "templateName" | "config" | "createdAt"> & { datasetName?: string };

/** A name without the "<template> × <dataset> · " that default names start with (what the sweeps share). */
const shortName = (s: Labelled): string => {
  const prefix = `${s.templateName ?? ""} × ${s.datasetName ?? ""} · `;
  return s.templateName !== null && s.datasetName !== undefined && s.name.startsWith(prefix) && s.name.length > prefix.length ? s.name.slice(prefix.length) : s.name;
};

const MODE: Record<SweepMode, string> = { rank: "rank", generate: "generate" };

const template = (s: Labelled) => `${s.templateName ?? "deleted template"} v${s.config.templateVersion}`;

const engineIds = (s: Labelled) => (s.config.engines.length > 0 ? s.config.engines : [""]).map((e) => resolveEngine(e, s.config.model)).join(" + ");
const engineNames = (s: Labelled, names: EngineNames | undefined) => (s.config.engines.length > 0 ? s.config.engines : [""]).map((e) => engineName(e, names, s.config.model)).join(" + ");

/**
 * One short label per sweep; with two, only the fields that tell them apart (falling back to the
 * names, then creation order). Engines ("" of old sweeps read as their model) are named from `names`.
 */
export function sweepLabels(sweeps: Labelled[], names?: EngineNames): string[] {
  if (sweeps.length < 2) return sweeps.map((s) => s.name);
  const parts: ((s: Labelled) => string)[] = [];
  const differs = (f: (s: Labelled) => string) => new Set(sweeps.map(f)).size > 1;
  const versions = differs((s) => String(s.config.templateVersion));
  if (differs((s) => s.config.templateId)) parts.push((s) => (versions ? template(s) : (s.templateName ?? "deleted template")));
  else if (versions) parts.push(template);
  if (differs(engineIds)) parts.push((s) => engineNames(s, names));
  else if (differs((s) => s.config.model)) parts.push((s) => s.config.model);
  if (differs((s) => s.config.mode)) parts.push((s) => MODE[s.config.mode]);
  if (differs((s) => s.config.backend)) parts.push((s) => s.config.backend);
  if (differs((s) => String(s.config.maxTokens)) && sweeps.every((s) => s.config.mode === "generate")) parts.push((s) => `${s.config.maxTokens} tok`);
  const labels = parts.length > 0 ? sweeps.map((s) => parts.map((p) => p(s)).join(" · ")) : sweeps.map(shortName);
  if (new Set(labels).size === labels.length) return labels;
  return sweeps.map((s, i) => `${labels[i]} (${i === 0 ? "this" : "other"})`);
}

const STATUS_WORDS: Record<SweepStatus, string> = { queued: "queued", running: "running", done: "done", failed: "failed", cancelled: "cancelled" };

/**
 * A "Compare with" option, short enough to read in a select: the other sweep's name without the
 * "<template> × <dataset> · " every default name of this dataset starts with (the template is said
 * only when it is not this sweep's), then its status. E.g. "rank, 12 Mar 2026, 14:05 UTC (2) · done".
 */
export function overlayOptionLabel(option: Pick<SweepSummary, "name" | "templateName" | "datasetName" | "status">, current: Pick<SweepSummary, "templateName">): string {
  const prefix = `${option.templateName ?? ""} × ${option.datasetName} · `;
  const name = option.templateName !== null && option.name.startsWith(prefix) ? option.name.slice(prefix.length) : option.name;
  const sameTemplate = option.templateName !== null && option.templateName === current.templateName;
  return `${sameTemplate ? "" : `${option.templateName ?? "deleted template"} · `}${name} · ${STATUS_WORDS[option.status]}`;
}
