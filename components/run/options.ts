/**
 * Pure helpers of the Run panel: the form's settings -> the runtime's GenerateParams,
 * candidate answers for rank mode, and the figures shown after a run.
 */
import type { Template } from "@/lib/prompt/schema";
import type { GenerateParams } from "@/lib/backends/browser/client";

export type BackendChoice = "webgpu" | "wasm" | "server";
export type DecodeMode = "greedy" | "sampling" | "beam";

export const BACKENDS: { value: BackendChoice; label: string }[] = [
  { value: "webgpu", label: "Browser · WebGPU" },
  { value: "wasm", label: "Browser · WASM" },
  { value: "server", label: "Server" },
];

export interface RunSettings {
  mode: DecodeMode;
  maxTokens: number;
  /** `<|endofchunk|>` is suppressed until this many tokens exist (0: stop whenever the model says so). */
  minTokens: number;
  temperature: number;
  topP: number;
  seed: number;
  /** One stop string per line. */
  stop: string;
  trace: boolean;
}

export const DEFAULT_SETTINGS: RunSettings = { mode: "greedy", maxTokens: 20, minTokens: 0, temperature: 0.7, topP: 0.9, seed: 0, stop: "", trace: true };

/** Beams used by beam mode, as in the paper. */
export const BEAMS = 3;

const clamp = (v: number, lo: number, hi: number, fallback: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback);

/** The settings as the engine's parameters (validated ranges: GenerateParamsSchema). */
export function toGenerateParams(s: RunSettings): GenerateParams {
  const stop = parseLines(s.stop).slice(0, 8);
  const p: GenerateParams = { maxTokens: Math.round(clamp(s.maxTokens, 1, 256, 20)) };
  const minTokens = Math.round(clamp(s.minTokens, 0, p.maxTokens ?? 20, 0));
  if (minTokens > 0) p.minTokens = minTokens;
  if (stop.length > 0) p.stop = stop;
  if (s.trace) p.trace = true;
  if (s.mode === "sampling") {
    p.temperature = clamp(s.temperature, 0.01, 5, 0.7);
    p.topP = clamp(s.topP, 0.01, 1, 0.9);
    p.seed = Math.round(clamp(s.seed, 0, 2 ** 32 - 1, 0));
  } else if (s.mode === "beam") {
    p.numBeams = BEAMS;
  }
  return p;
}

/** Non-empty lines, trimmed of their line breaks only (a candidate may start with a space). */
export function parseLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+$/, ""))
    .filter((l) => l.trim().length > 0);
}

/** Candidates for rank mode, one per line, each once. */
export function parseCandidates(text: string): string[] {
  return [...new Set(parseLines(text))].slice(0, 100);
}

/**
 * Prefilled candidates: the shots' distinct answers when the template is closed-ended
 * (tagged classification / closed-ended, or answers repeat across shots); "" otherwise.
 */
export function defaultCandidates(t: Pick<Template, "shots" | "tags">): string {
  const answers = t.shots.map((s) => s.answer.trim()).filter((a) => a.length > 0 && !a.includes("{{"));
  const distinct = [...new Set(answers)];
  const tagged = t.tags.some((tag) => /classification|closed-ended/i.test(tag));
  return distinct.length > 0 && (tagged || distinct.length < answers.length) ? distinct.join("\n") : "";
}

export interface ScoreRow {
  candidate: string;
  sum: number;
  mean: number;
  tokens: number;
  /** Share of the probability mass among the candidates (softmax of the sums). */
  share: number;
  best: boolean;
}

/** Rows for the rank chart, in the order given, the best (highest sum) marked. */
export function scoreRows(scores: { candidate: string; sum: number; mean: number; tokenIds: number[] }[]): ScoreRow[] {
  if (scores.length === 0) return [];
  const max = Math.max(...scores.map((s) => s.sum));
  const z = scores.reduce((acc, s) => acc + Math.exp(s.sum - max), 0);
  const bestIndex = scores.findIndex((s) => s.sum === max);
  return scores.map((s, i) => ({ candidate: s.candidate, sum: s.sum, mean: s.mean, tokens: s.tokenIds.length, share: Math.exp(s.sum - max) / z, best: i === bestIndex }));
}

/** Bar width (0..1) of a log-likelihood: closer to 0 is better, so the best gets the longest bar. */
export function barWidth(value: number, all: number[]): number {
  const worst = Math.min(...all);
  if (!Number.isFinite(worst) || worst >= 0) return 1;
  // Map [worst, 0] -> [0.06, 1], so even the worst candidate keeps a visible bar.
  return 0.06 + 0.94 * (1 - value / worst);
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}
