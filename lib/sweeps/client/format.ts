/** Words and numbers for the sweep pages: status, progress, ETA, durations, cache hit rates. */
import type { SweepStats, SweepStatus } from "../types";

export const STATUS_LABELS: Record<SweepStatus, string> = {
  queued: "Queued",
  running: "Running",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** Tailwind classes of a status badge. */
export const STATUS_STYLES: Record<SweepStatus, string> = {
  queued: "bg-stone-100 text-stone-700",
  running: "bg-blue-50 text-blue-800",
  done: "bg-emerald-50 text-emerald-800",
  failed: "bg-red-50 text-red-800",
  cancelled: "bg-amber-50 text-amber-900",
};

export const isActive = (s: SweepStatus): boolean => s === "queued" || s === "running";

/** "1 h 05 min", "3 min 20 s", "42 s", "4.2 s", "35 ms". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** "about 3 min 20 s left"; nothing known yet: "estimating…". */
export function formatEta(etaSeconds: number | null, status: SweepStatus): string {
  if (!isActive(status)) return "";
  if (etaSeconds === null || !Number.isFinite(etaSeconds)) return "estimating…";
  if (etaSeconds < 1) return "finishing…";
  return `about ${formatDuration(etaSeconds * 1000)} left`;
}

export function progressFraction(done: number, total: number): number {
  return total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
}

export interface HitRate {
  hits: number;
  lookups: number;
  /** undefined when nothing was looked up. */
  rate: number | undefined;
}

export function hitRate(hits: number, lookups: number): HitRate {
  return { hits, lookups, rate: lookups > 0 ? hits / lookups : undefined };
}

export function formatHitRate(h: HitRate): string {
  if (h.rate === undefined) return "—";
  return `${(h.rate * 100).toFixed(1)}% (${h.hits.toLocaleString("en-US")} / ${h.lookups.toLocaleString("en-US")})`;
}

/** Cells per minute of wall time; undefined before anything is known. */
export function cellsPerMinute(doneCells: number, wallMs: number): number | undefined {
  return doneCells > 0 && wallMs > 0 ? doneCells / (wallMs / 60_000) : undefined;
}

/** "12.5 cells/min", "240 cells/min", "—". */
export function formatThroughput(perMinute: number | undefined): string {
  if (perMinute === undefined || !Number.isFinite(perMinute)) return "—";
  return `${perMinute < 10 ? perMinute.toFixed(1) : Math.round(perMinute).toLocaleString("en-US")} cells/min`;
}

/** "12,345 prompt · 678 completion"; "—" when no engine reported any. */
export function formatTokens(promptTokens: number, completionTokens: number): string {
  if (promptTokens <= 0 && completionTokens <= 0) return "—";
  return `${promptTokens.toLocaleString("en-US")} prompt · ${completionTokens.toLocaleString("en-US")} completion`;
}

/** Stats for display; `doneCells` gives the mean model time per cell and the throughput. */
export function statFigures(stats: SweepStats, doneCells: number): { label: string; value: string; testId: string; hint: string }[] {
  return [
    { label: "Visual cache", value: formatHitRate(hitRate(stats.visualCacheHits, stats.visualCacheLookups)), testId: "stat-visual-cache", hint: "Images whose visual tokens were already computed" },
    { label: "Prefix cache", value: formatHitRate(hitRate(stats.prefixCacheHits, stats.prefixCacheLookups)), testId: "stat-prefix-cache", hint: "Prompts that reused a shared prefix's key/value cache" },
    { label: "Model time", value: formatDuration(stats.modelMs), testId: "stat-model-ms", hint: "Time inside the model, summed over cells" },
    { label: "Wall time", value: formatDuration(stats.wallMs), testId: "stat-wall-ms", hint: "Time the sweep has been running, over restarts" },
    { label: "Per cell", value: doneCells > 0 ? formatDuration(stats.modelMs / doneCells) : "—", testId: "stat-per-cell", hint: "Mean model time of a finished cell" },
    { label: "Throughput", value: formatThroughput(cellsPerMinute(doneCells, stats.wallMs)), testId: "stat-throughput", hint: "Finished cells per minute of wall time" },
    { label: "Tokens", value: formatTokens(stats.promptTokens, stats.completionTokens), testId: "stat-tokens", hint: "Prompt and completion tokens the engines reported, summed over cells" },
    { label: "Retries", value: stats.retries.toLocaleString("en-US"), testId: "stat-retries", hint: "Requests sent again after a rate limit (429), a server error (5xx) or a timeout" },
  ];
}

export const SELECTION_HINTS = {
  random: "Demonstrations drawn at random from the pool (per seed)",
  balanced: "Equally many demonstrations per answer",
  rices: "The most similar pool images by visual features, the most similar last (as in the paper)",
} as const;
