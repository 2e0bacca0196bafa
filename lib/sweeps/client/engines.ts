/**
 * Engines as the comparison pages show them: names (registry names, else the id; "" is the sweep's
 * bundled model), one colour each, and the new-comparison form's engine options. Pure: unit-tested
 * in tests/unit/sweep-chart.test.ts and sweep-form.test.ts.
 */
import { RANK_METHODS } from "@/lib/backends/contract";
import type { EngineSummary } from "@/lib/engines/types";

/** Registry id → display name (from GET /api/engines). */
export type EngineNames = ReadonlyMap<string, string>;

/** A result's or a config's engine id as an identity: "" (sweeps made before engines) is the bundled `model`. */
export const resolveEngine = (id: string, model: string): string => id || model;

/** What to call an engine: its registry name, else its id ("" → the sweep's model). */
export function engineName(id: string, names: EngineNames | undefined, model: string): string {
  const resolved = resolveEngine(id, model);
  return names?.get(resolved) ?? (resolved || "bundled model");
}

export const namesOf = (engines: readonly Pick<EngineSummary, "id" | "name">[]): EngineNames => new Map(engines.map((e) => [e.id, e.name]));

/**
 * One colour per engine: the Okabe–Ito palette (distinguishable with the common colour-vision
 * deficiencies), its yellow left out (too light on white) and black last. Beyond seven engines the
 * colours repeat; the legend and the markers still tell the lines apart.
 */
export const ENGINE_COLORS: readonly string[] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#1c1917"];

export const engineColor = (index: number): string => ENGINE_COLORS[((index % ENGINE_COLORS.length) + ENGINE_COLORS.length) % ENGINE_COLORS.length]!;

/** Distinct values in first-seen order. */
export const unique = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

/* ------------------------------------------------------------------------------------------------
 * The new-comparison form's engine choice.
 * ---------------------------------------------------------------------------------------------- */

export interface EngineOptionText {
  /** "Bundled" or "Remote". */
  kind: string;
  /** Remote engines: the model the endpoint serves. */
  model: string | null;
  /** How it ranks candidates: "exact log-likelihood", "approximate: …", or "not tested yet". */
  ranking: string;
  /** null when unknown (a remote engine never tested). */
  approximate: boolean | null;
  /** The ranking as a sentence: "Ranks exactly (from prompt log-probabilities)", "Ranking: not tested yet". */
  phrase: string;
  /** Something that will make its cells fail, from its last connection test. */
  warning: string | null;
}

/** How the form describes an engine beside its checkbox. */
export function describeEngineOption(e: Pick<EngineSummary, "kind" | "settings" | "capabilities">): EngineOptionText {
  const c = e.kind === "bundled" ? null : e.capabilities;
  const method = e.kind === "bundled" ? RANK_METHODS.exact : c ? (RANK_METHODS[c.rankMethod] ?? { label: c.rankMethod, approximate: true }) : null;
  const warning = !c ? null : !c.ok ? "its last connection test failed" : !c.multiImage ? "takes one image per prompt: cells with demonstrations will fail" : null;
  const how = method?.label.replace(/^(exact|approximate)[:,]?\s*/, "");
  const phrase = !method ? "Ranking: not tested yet" : `Ranks ${method.approximate ? "approximately" : "exactly"}${how ? ` (${how})` : ""}`;
  return {
    kind: e.kind === "bundled" ? "Bundled" : "Remote",
    model: e.kind === "bundled" ? null : (e.settings?.model ?? null),
    ranking: method ? method.label : "not tested yet",
    approximate: method ? method.approximate : null,
    phrase,
    warning,
  };
}

/** The engines to check first: the bundled ones (the server's default), else the first listed. */
export function defaultEngines(list: readonly Pick<EngineSummary, "id" | "kind">[]): string[] {
  const bundled = list.filter((e) => e.kind === "bundled").slice(0, 1);
  return (bundled.length > 0 ? bundled : list.slice(0, 1)).map((e) => e.id);
}

/**
 * The chosen engines once the registry has loaded: those that exist, else (when none of them does,
 * e.g. a bundled engine with another id than the form's default) the defaults. An empty choice stays
 * empty: the form says to pick one.
 */
export function reconcileEngines(chosen: readonly string[], list: readonly Pick<EngineSummary, "id" | "kind">[]): string[] {
  if (chosen.length === 0) return [];
  const known = new Set(list.map((e) => e.id));
  const kept = chosen.filter((id) => known.has(id));
  return kept.length > 0 ? kept : defaultEngines(list);
}

/** Check or uncheck one engine; the choice stays in the registry's order (the chart's order too). */
export function toggleEngine(chosen: readonly string[], id: string, on: boolean, order: readonly string[]): string[] {
  const next = new Set(chosen);
  if (on) next.add(id);
  else next.delete(id);
  return [...order.filter((x) => next.has(x)), ...[...next].filter((x) => !order.includes(x))];
}
