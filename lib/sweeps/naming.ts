/**
 * A new sweep's default name: what it compares and when, unique among the sweeps of its dataset —
 * "Classification with novel words × Novel emoji (2-way) · rank, 12 Mar 2026, 14:05 UTC", and
 * " (2)", " (3)"… when a sweep of the dataset already has that name (two started in the same minute).
 * The pure part is unit-tested in tests/unit/sweep-naming.test.ts.
 */
import type { SweepBackend, SweepMode } from "./types";

const DATE_TIME = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });

export interface SweepNameParts {
  template: string;
  dataset: string;
  mode: SweepMode;
  backend?: SweepBackend;
  at: Date;
}

/** The name before numbering: "<template> × <dataset> · <mode>[, browser], <date time> UTC". */
export function baseSweepName(p: SweepNameParts): string {
  const how = [p.mode, ...(p.backend === "browser" ? ["browser"] : [])].join(", ");
  return `${p.template} × ${p.dataset} · ${how}, ${DATE_TIME.format(p.at)} UTC`;
}

/** `base`, or `base (n)` with the smallest n ≥ 2 that no name in `taken` has. */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) if (!names.has(`${base} (${n})`)) return `${base} (${n})`;
}

export const defaultSweepName = (p: SweepNameParts, taken: Iterable<string>): string => uniqueName(baseSweepName(p), taken);

/** Server side: the default name of a sweep about to be created, numbered against the dataset's sweeps. */
export async function newSweepName(p: Omit<SweepNameParts, "at"> & { datasetId: string }): Promise<string> {
  const { listSweeps } = await import("@/lib/store/sweeps");
  const taken = (await listSweeps({ datasetId: p.datasetId })).map((s) => s.name);
  return defaultSweepName({ ...p, at: new Date() }, taken);
}
