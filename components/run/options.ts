/**
 * Pure helpers of the Run panel: the form's settings -> the runtime's GenerateParams,
 * candidate answers for rank mode, and the figures shown after a run.
 */
import type { GenerateParams } from "@/lib/backends/browser/client";
import { browserEngineTarget, DEFAULT_BACKEND, normalizeTarget, type BackendChoice, type RunTarget } from "@/lib/backends/browser/target";
import { logLik, RANK_METHODS, type RankMethod } from "@/lib/backends/contract";
import type { EngineSummary } from "@/lib/engines/types";
import { usedVariables } from "@/components/composer/document-ops";
import type { Template, Variable } from "@/lib/prompt/schema";
import { DEFAULT_MODEL_ID } from "@/lib/models/defaults";

export { DEFAULT_BACKEND, logLik, normalizeTarget, type BackendChoice, type RunTarget };
export type DecodeMode = "greedy" | "sampling" | "beam";

/** The bundled package's registry id: the model the browser worker and the plain "server" choice run. */
export const BUNDLED_ENGINE_ID = DEFAULT_MODEL_ID;

export const BACKENDS: { value: BackendChoice; label: string }[] = [
  { value: "webgpu", label: "Browser · WebGPU" },
  { value: "wasm", label: "Browser · WASM" },
  { value: "server", label: `Server · ${BUNDLED_ENGINE_ID} (bundled)` },
];

// ---------------------------------------------------------------- where a prompt runs (RunTarget: lib/backends/browser/target.ts)

/** The choice's option value (and testid suffix) of an engine other than the bundled one. */
export const ENGINE_VALUE_PREFIX = "engine:";

/** "webgpu" | "wasm" | "server" | "engine:<id>". */
export function targetValue(t: BackendChoice | RunTarget): string {
  const n = normalizeTarget(t);
  return n.engine ? `${ENGINE_VALUE_PREFIX}${n.engine}` : n.backend;
}

/** The inverse of targetValue; null for anything else. */
export function targetFromValue(value: string): RunTarget | null {
  if (value === "webgpu" || value === "wasm" || value === "server") return { backend: value };
  if (value.startsWith(ENGINE_VALUE_PREFIX)) {
    const engine = value.slice(ENGINE_VALUE_PREFIX.length);
    return engine.length > 0 && engine.length <= 100 ? normalizeTarget({ backend: "server", engine }) : null;
  }
  return null;
}

export interface EngineChoice {
  value: string;
  label: string;
  target: RunTarget;
  /** The registry entry (null: a browser choice, or the list is not loaded, or the engine is gone). */
  summary: EngineSummary | null;
  /** A remote OpenAI-compatible engine or a transformers.js one: no trace, beams or seeds; its own image limits. */
  remote: boolean;
}

/** A remote engine's label: "<name> · <model>"; a transformers.js one: "Browser · <name> (transformers.js)"; another bundled one: "Server · <name> (bundled)". */
export function engineLabel(e: EngineSummary): string {
  if (e.kind === "transformersjs") return `Browser · ${e.name} (transformers.js)`;
  return e.kind === "openai" ? `${e.name} · ${e.settings?.model ?? "?"}` : `Server · ${e.name} (bundled)`;
}

/** Where an engine runs from the UI: a transformers.js engine in this page's worker (its device preference), any other on the server. */
export function targetOfEngine(e: Pick<EngineSummary, "id" | "kind" | "browser">): RunTarget {
  return e.kind === "transformersjs" ? browserEngineTarget(e.id, e.browser?.device ?? "auto") : { backend: "server", engine: e.id };
}

/**
 * Every choice: the three built-in ones (always, whether or not the registry answered), then one
 * per other registry engine. A `current` engine the list does not hold (not loaded yet, removed
 * since the cell was saved) is kept as a choice of its own, so the form never hides what will run.
 */
export function engineChoices(engines: readonly EngineSummary[] | null, current?: RunTarget): EngineChoice[] {
  const bundled = engines?.find((e) => e.id === BUNDLED_ENGINE_ID) ?? null;
  const builtIn: EngineChoice[] = BACKENDS.map((b) => ({ value: b.value, label: b.label, target: { backend: b.value }, summary: b.value === "server" ? bundled : null, remote: false }));
  const others: EngineChoice[] = (engines ?? [])
    .filter((e) => e.id !== BUNDLED_ENGINE_ID)
    .map((e) => ({ value: targetValue({ backend: "server", engine: e.id }), label: engineLabel(e), target: normalizeTarget(targetOfEngine(e)), summary: e, remote: e.kind !== "bundled" }));
  const all = [...builtIn, ...others];
  const cur = current ? normalizeTarget(current) : undefined;
  if (cur?.engine && !all.some((c) => c.target.engine === cur.engine)) {
    all.push({ value: targetValue(cur), label: engines ? `${cur.engine} (not in the registry)` : `Engine ${cur.engine}`, target: cur, summary: null, remote: true });
  }
  return all;
}

/** The registry entry a target runs on (null: the bundled model in the browser, or not known). */
export function engineOf(t: RunTarget, engines: readonly EngineSummary[] | null): EngineSummary | null {
  const n = normalizeTarget(t);
  if (n.backend !== "server" && !n.engine) return null;
  return engines?.find((e) => e.id === (n.engine ?? BUNDLED_ENGINE_ID)) ?? null;
}

/**
 * Whether the target lacks the bundled engine's extras (attention trace, beam search, seeded sampling): a
 * remote engine or a transformers.js one (an engine the list does not know yet counts too: the safe side).
 */
export function isRemoteTarget(t: RunTarget, engines: readonly EngineSummary[] | null): boolean {
  const n = normalizeTarget(t);
  if (!n.engine) return false;
  const e = engineOf(n, engines);
  return e ? e.kind !== "bundled" : true;
}

/** Why some options are off on a remote engine (one line, shown in the form). */
export const REMOTE_LIMITS_REASON = "Remote engines return no attention trace, and have no beam search or seeded sampling.";
/** The same for a transformers.js engine. */
export const BROWSER_ENGINE_LIMITS_REASON = "transformers.js engines return no attention trace, and have no beam search or seeded sampling.";

/** Why the trace, beams and seeds are off on this target (null: the bundled model, which has them). */
export function limitsReason(t: RunTarget, engines: readonly EngineSummary[] | null): string | null {
  if (!isRemoteTarget(t, engines)) return null;
  const n = normalizeTarget(t);
  return n.backend !== "server" || engineOf(n, engines)?.kind === "transformersjs" ? BROWSER_ENGINE_LIMITS_REASON : REMOTE_LIMITS_REASON;
}

/** The settings for a newly chosen target: beam search is not offered remotely, so it becomes greedy. */
export function settingsForTarget(s: RunSettings, remote: boolean): RunSettings {
  return remote && s.mode === "beam" ? { ...s, mode: "greedy" } : s;
}

/**
 * Why this prompt cannot run on the engine (its `settings.maxImages`, or a failed multi-image test),
 * said before running; null when it can (or nothing is known about the engine).
 */
export function imageLimitProblem(images: number, engine: EngineSummary | null): string | null {
  if (!engine) return null;
  const max = (engine.kind === "transformersjs" ? engine.browser?.maxImages : engine.settings?.maxImages) ?? null;
  const plural = (n: number) => `${n} ${n === 1 ? "image" : "images"}`;
  if (max !== null && images > max) return `This prompt has ${plural(images)}; ${engine.name} takes at most ${plural(max)} per prompt. Use fewer demonstrations or another engine.`;
  if (images >= 2 && engine.capabilities?.multiImage === false) {
    if (engine.kind === "transformersjs") return `This prompt has ${plural(images)}; ${engine.name} cannot take several images in one prompt. Use a zero-shot prompt or another engine.`;
    return `This prompt has ${plural(images)}; ${engine.name} failed the two-image test, so it takes one image per prompt. Use a zero-shot prompt or another engine.`;
  }
  return null;
}

export interface RankMethodInfo {
  method: RankMethod;
  label: string;
  approximate: boolean;
  note?: string;
}

/** How candidates were ranked, for the line beside the rank chart (no method reported: the bundled engine's exact sum). */
export function rankMethodInfo(method: RankMethod | undefined, approximate?: boolean, note?: string): RankMethodInfo {
  const m = method ?? "exact";
  const known = RANK_METHODS[m] as { label: string; approximate: boolean } | undefined;
  return { method: m, label: known?.label ?? m, approximate: approximate ?? known?.approximate ?? true, ...(note ? { note } : {}) };
}

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

/**
 * The settings as the engine's parameters (validated ranges: GenerateParamsSchema). On a remote
 * engine (`remote`), no trace, no beams and no seed are sent: beam mode runs greedy.
 */
export function toGenerateParams(s: RunSettings, remote = false): GenerateParams {
  const stop = parseLines(s.stop).slice(0, 8);
  const p: GenerateParams = { maxTokens: Math.round(clamp(s.maxTokens, 1, 256, 20)) };
  const minTokens = Math.round(clamp(s.minTokens, 0, p.maxTokens ?? 20, 0));
  if (minTokens > 0) p.minTokens = minTokens;
  if (stop.length > 0) p.stop = stop;
  if (s.trace && !remote) p.trace = true;
  if (s.mode === "sampling") {
    p.temperature = clamp(s.temperature, 0.01, 5, 0.7);
    p.topP = clamp(s.topP, 0.01, 1, 0.9);
    if (!remote) p.seed = Math.round(clamp(s.seed, 0, 2 ** 32 - 1, 0));
  } else if (s.mode === "beam" && !remote) {
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

/** Tags that say a template is closed-ended (its answers come from a fixed set). */
const CLOSED_TAG = /classification|closed-ended/i;

/**
 * Prefilled candidates: the shots' distinct answers when the template is closed-ended
 * (tagged classification / closed-ended, or answers repeat across shots); "" otherwise.
 */
export function defaultCandidates(t: { tags: readonly string[]; shots: readonly { answer: string }[] }): string {
  const answers = t.shots.map((s) => s.answer.trim()).filter((a) => a.length > 0 && !a.includes("{{"));
  const distinct = [...new Set(answers)];
  const tagged = t.tags.some((tag) => CLOSED_TAG.test(tag));
  return distinct.length > 0 && (tagged || distinct.length < answers.length) ? distinct.join("\n") : "";
}

/**
 * The variables a run needs bound: those declared and used in the prompt, in declaration order. A
 * variable declared but no longer used (its block was removed) is not asked for.
 */
export function variablesToBind(t: Template): Variable[] {
  const used = usedVariables(t);
  return t.variables.filter((v) => used.has(v.name));
}

export type RunMode = "generate" | "rank";

/**
 * The Run mode a template opens on, from what it says it is for: Rank when it has candidate
 * answers to score (tagged classification / closed-ended, or its shots' answers repeat: see
 * defaultCandidates), Generate otherwise. Without shots (a library summary), the tags decide.
 */
export function defaultRunMode(t: { tags: readonly string[]; shots?: readonly { answer: string }[] }): RunMode {
  if (t.shots === undefined) return t.tags.some((tag) => CLOSED_TAG.test(tag)) ? "rank" : "generate";
  return defaultCandidates({ tags: t.tags, shots: t.shots }) ? "rank" : "generate";
}

/** What a finished generation said, for explaining an empty answer. */
export interface OutputFacts {
  text: string;
  finishReason: string;
  completionTokens: number;
  /** Demonstrations in the prompt that ran (shotsIn). */
  shots: number;
  /** A remote engine: its end token is its own, not <|endofchunk|>. */
  remote?: boolean;
}

/** Demonstrations in a rendered prompt: one <|endofchunk|> closes each. */
export const shotsIn = (prompt: { parts: readonly { type: string }[] }): number => prompt.parts.filter((p) => p.type === "endOfChunk").length;

/**
 * Why a finished generation shows no text, in words (null when it has some): the model ended the
 * answer at once, wrote only whitespace, or a stop string matched at the start; with what to do.
 */
export function emptyOutputReason(o: OutputFacts): string | null {
  if (o.text.trim().length > 0) return null;
  const end = o.remote ? "its end-of-answer token" : "<|endofchunk|>";
  const zeroShot = `with 0 shots it has no example of the answer's form — add a demonstration or use Rank`;
  const withShots = `check that the query ends the way the demonstrations do just before their answers (e.g. with "Output:"), set Min tokens above 0 to make it write something, or use Rank to score answers you give`;
  const advice = o.shots === 0 ? zeroShot : withShots;
  const tokens = (n: number) => `${n} ${n === 1 ? "token" : "tokens"}`;
  switch (o.finishReason) {
    case "stop_token":
      return o.completionTokens === 0
        ? `The model ended the answer at once (${end} as the first token): ${advice}.`
        : `The model wrote only whitespace (${tokens(o.completionTokens)}) and then ended the answer with ${end}: ${advice}.`;
    case "stop_string":
      return `A stop string matched at the very start of the answer, so nothing is left: the model began with it. Remove that stop string, or end the query's text so that the answer follows directly.`;
    case "max_tokens":
      return o.completionTokens === 0
        ? "No tokens were generated (Max tokens is 0)."
        : `All ${tokens(o.completionTokens)} went on whitespace or on text held back by a stop string: raise Max tokens, check the stop strings, or ${o.shots === 0 ? "add a demonstration of the answer's form" : "make the demonstrations' answers start right after the query's text"}.`;
    default: {
      const how = o.finishReason && o.finishReason !== "unknown" ? `finished by ${o.finishReason.replace(/_/g, " ")}, ` : "";
      return `The model returned no text (${how}${tokens(o.completionTokens)}).${o.shots === 0 ? ` With 0 shots it has no example of the answer's form — add a demonstration or use Rank.` : ""}`;
    }
  }
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

/** Shares (softmax of the sums) and the best marked; when every sum is −∞ no candidate is best. */
export function withShares(items: { candidate: string; sum: number; mean: number; tokens: number }[]): ScoreRow[] {
  if (items.length === 0) return [];
  const max = Math.max(...items.map((s) => s.sum));
  if (max === -Infinity) return items.map((s) => ({ ...s, share: 0, best: false }));
  const z = items.reduce((acc, s) => acc + Math.exp(s.sum - max), 0);
  const bestIndex = items.findIndex((s) => s.sum === max);
  return items.map((s, i) => ({ ...s, share: Math.exp(s.sum - max) / z, best: i === bestIndex }));
}

/**
 * Rows for the rank chart, in the order given, the best (highest sum) marked. A remote engine may
 * give a candidate no probability at all (−∞, null over JSON) and no token ids.
 */
export function scoreRows(scores: { candidate: string; sum: number | null; mean: number | null; tokenIds?: number[] }[]): ScoreRow[] {
  return withShares(scores.map((s) => ({ candidate: s.candidate, sum: logLik(s.sum), mean: logLik(s.mean), tokens: s.tokenIds?.length ?? 0 })));
}

/** Bar width (0..1) of a log-likelihood: closer to 0 is better, so the best gets the longest bar; −∞ gets a sliver. */
export function barWidth(value: number, all: number[]): number {
  if (!Number.isFinite(value)) return 0.02;
  const worst = Math.min(...all.filter((v) => Number.isFinite(v)));
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
