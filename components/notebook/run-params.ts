/**
 * A cell's stored run parameters <-> the Run panel's form, and a finished run -> the record the
 * notebook API saves. Pure; shared by the notebook page and the editor's "Save to notebook".
 */
import { MAX_STORED_EXCHANGE_CHARS, type CellRunRecord } from "@/lib/notebook/run-record";
import type { RunParams } from "@/lib/notebook/schema";
import type { PromptSequence } from "@/lib/prompt/sequence";
import type { Template } from "@/lib/prompt/schema";
import type { Exchange, Usage } from "@/lib/backends/contract";
import { BUNDLED_ENGINE_ID, logLik, normalizeTarget, parseCandidates, parseLines, withShares, type BackendChoice, type RunSettings, type RunTarget, type ScoreRow } from "@/components/run/options";
import { capExchange, sanitizeExchange } from "@/components/run/exchange";
import type { GenerateState, RankState, RunState } from "@/components/run/useRunner";

const MODEL_ID = BUNDLED_ENGINE_ID;

/** Where a cell runs: its backend, and with the server its engine (absent: the bundled model). */
export const targetOf = (p: Pick<RunParams, "backend" | "engine">): RunTarget => normalizeTarget({ backend: p.backend, ...(p.engine ? { engine: p.engine } : {}) });

export function toSettings(p: RunParams): RunSettings {
  return { mode: p.decoding, maxTokens: p.maxTokens, minTokens: p.minTokens, temperature: p.temperature, topP: p.topP, seed: p.seed, stop: p.stop.join("\n"), trace: p.trace };
}

const clampInt = (v: number, lo: number, hi: number, fallback: number) => (Number.isFinite(v) ? Math.round(Math.min(hi, Math.max(lo, v))) : fallback);
const clampNum = (v: number, lo: number, hi: number, fallback: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback);

/** The form's values as stored parameters (always valid: out-of-range numbers are clamped); `engine` only when one is chosen. */
export function fromSettings(s: RunSettings, where: BackendChoice | RunTarget, mode: RunParams["mode"], candidates: string[]): RunParams {
  const maxTokens = clampInt(s.maxTokens, 1, 256, 20);
  const { backend, engine } = normalizeTarget(where);
  return {
    backend,
    ...(engine ? { engine } : {}),
    mode,
    decoding: s.mode,
    maxTokens,
    minTokens: clampInt(s.minTokens, 0, maxTokens, 0),
    temperature: clampNum(s.temperature, 0.01, 5, 0.7),
    topP: clampNum(s.topP, 0.01, 1, 0.9),
    seed: clampInt(s.seed, 0, 2 ** 32 - 1, 0),
    stop: parseLines(s.stop).filter((x) => x.length <= 64).slice(0, 8),
    candidates: parseCandidates(candidates.join("\n")).filter((c) => c.length <= 500),
    trace: s.trace,
  };
}

const BACKEND_RECORD: Record<BackendChoice, CellRunRecord["backend"]> = { webgpu: "browser-webgpu", wasm: "browser-wasm", server: "server" };

/** A finished run (phase "done") as the record to save; null for anything else. */
export function runRecord(args: { cellId: string; version: number; params: RunParams; prompt: PromptSequence; state: RunState }): CellRunRecord | null {
  const { state } = args;
  if (state.phase !== "done") return null;
  const base = { cellId: args.cellId, version: args.version, backend: state.remote && state.backend === "server" ? ("remote" as const) : BACKEND_RECORD[state.backend], params: args.params, prompt: args.prompt };
  return state.kind === "generate" ? generateRecord(base, state) : rankRecord(base, state);
}

type Base = Pick<CellRunRecord, "cellId" | "version" | "backend" | "params" | "prompt">;

const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) && x >= 0 ? x : undefined);
const text = (x: string, max: number) => (x.trim().length > 0 ? x.trim().slice(0, max) : undefined);

/**
 * Server runs: which engine ran it (the reported one, else the one asked for, else the bundled
 * model), its wall time, tokens and exchange (cut to what a saved run keeps, credentials redacted).
 * Browser runs record none of these, as before (`model` and `timings` say it all).
 */
function engineFields(s: RunState, ran: { engine?: string; latencyMs?: number; usage?: Usage; exchange?: Exchange }) {
  if (s.backend !== "server") return {};
  const engine = text(ran.engine ?? s.engine ?? MODEL_ID, 100);
  const latencyMs = finite(ran.latencyMs);
  const exchange = sanitizeExchange(ran.exchange);
  const usage = ran.usage && Number.isInteger(ran.usage.promptTokens) && Number.isInteger(ran.usage.completionTokens) && ran.usage.promptTokens >= 0 && ran.usage.completionTokens >= 0 ? ran.usage : undefined;
  return {
    ...(engine ? { engine } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(usage ? { usage: { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens } } : {}),
    ...(exchange ? { exchange: capExchange(exchange, MAX_STORED_EXCHANGE_CHARS) } : {}),
  };
}

function generateRecord(base: Base, s: GenerateState): CellRunRecord | null {
  const r = s.result;
  if (!r) return null;
  const engineTotal = r.timings.encodeMs + r.timings.prefillMs + r.timings.decodeMs;
  // A remote engine reports no stage timings: its wall time is the total.
  const totalMs = s.remote && finite(r.latencyMs) !== undefined ? r.latencyMs : engineTotal;
  return {
    ...base,
    provider: text(s.provider?.executionProvider ?? r.executionProvider, 40) ?? "unknown",
    model: text(r.model ?? MODEL_ID, 120) ?? MODEL_ID,
    output: {
      mode: "generate",
      text: r.text,
      finishReason: r.finishReason,
      ...engineFields(s, { ...(r.engine ? { engine: r.engine } : {}), ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}), usage: r.usage, ...(r.exchange ? { exchange: r.exchange } : {}) }),
    },
    timings: {
      totalMs: finite(totalMs) ?? 0,
      ...(finite(s.ttftMs) !== undefined ? { ttftMs: s.ttftMs } : {}),
      tokens: r.usage.completionTokens,
      ...(finite(r.timings.tokensPerSecond) !== undefined ? { tokensPerSecond: r.timings.tokensPerSecond } : {}),
      ...(finite(s.loadMs) !== undefined ? { loadMs: s.loadMs } : {}),
    },
  };
}

function rankRecord(base: Base, s: RankState): CellRunRecord | null {
  if (s.rows.length === 0) return null;
  return {
    ...base,
    provider: text(s.provider?.executionProvider ?? "", 40) ?? "unknown",
    model: text(s.model ?? MODEL_ID, 120) ?? MODEL_ID,
    output: {
      mode: "rank",
      // JSON has no −∞ (a remote engine's candidate with no probability): it is stored as null.
      scores: s.rows.map((r) => ({ candidate: r.candidate, sum: Number.isFinite(r.sum) ? r.sum : null, mean: Number.isFinite(r.mean) ? r.mean : null, tokens: r.tokens })),
      ...(s.method ? { method: s.method } : {}),
      ...(s.approximate !== undefined ? { approximate: s.approximate } : {}),
      ...(s.note ? { note: s.note.slice(0, 1_000) } : {}),
      ...engineFields(s, s),
    },
    timings: { totalMs: finite(s.elapsedMs) ?? 0 },
  };
}

/** A saved rank run's scores as the rank chart's rows (share: softmax of the sums; null: −∞). */
export function savedScoreRows(scores: { candidate: string; sum: number | null; mean: number | null; tokens: number }[]): ScoreRow[] {
  return withShares(scores.map((s) => ({ ...s, sum: logLik(s.sum), mean: logLik(s.mean) })));
}

const BACKEND_LABEL: Record<string, string> = { "browser-webgpu": "Browser", "browser-wasm": "Browser", server: "Server", remote: "Remote" };
const PROVIDER_LABEL: Record<string, string> = { webgpu: "WebGPU", wasm: "WASM", cpu: "CPU", cuda: "CUDA" };

/**
 * "Browser · WASM", "Server · CPU": where a saved run ran; a remote run: "<engine> · <model>"
 * (`engine`: its name when the registry knows it, else its id).
 */
export const ranOn = (backend: string, provider: string, remote?: { engine?: string; model?: string }) =>
  backend === "remote" && remote?.engine
    ? `${remote.engine}${remote.model ? ` · ${remote.model}` : ""}`
    : `${BACKEND_LABEL[backend] ?? backend} · ${PROVIDER_LABEL[provider.toLowerCase()] ?? provider}`;

/**
 * A one-line summary of a cell's parameters ("WASM · greedy · ≤ 20 tokens"); on a registry engine
 * `engineLabel` names it ("vLLM · Qwen/Qwen2.5-VL-7B-Instruct"; default the engine's id).
 */
export function paramsSummary(p: RunParams, engineLabel?: string): string {
  const target = targetOf(p);
  const backend = target.engine ? (engineLabel ?? `Engine ${target.engine}`) : { webgpu: "Browser · WebGPU", wasm: "Browser · WASM", server: "Server" }[p.backend];
  if (p.mode === "rank") return `${backend} · rank ${p.candidates.length} answer${p.candidates.length === 1 ? "" : "s"}`;
  const decoding = p.decoding === "sampling" ? `sampling T=${p.temperature} p=${p.topP} seed ${p.seed}` : p.decoding === "beam" ? "beam search" : "greedy";
  return `${backend} · ${decoding} · ≤ ${p.maxTokens} tokens${p.stop.length > 0 ? ` · ${p.stop.length} stop` : ""}`;
}

/** What to do when `variable` has no value yet (null when it is not an unbound variable of the template). */
export function startHint(template: Pick<Template, "variables">, variable: string, ownPrompt: boolean): string | null {
  const v = template.variables.find((x) => x.name === variable);
  if (!v) return null;
  if (v.kind === "image") {
    return ownPrompt
      ? `Add an image and some text to start: upload or pick the image for {{${v.name}}} above (or drop it on the prompt), write the text after it, then Run.`
      : `Add an image to start: upload or pick the image for {{${v.name}}} above, then Run.`;
  }
  return `Fill in {{${v.name}}} above to run this cell.`;
}
