/**
 * A cell's stored run parameters <-> the Run panel's form, and a finished run -> the record the
 * notebook API saves. Pure; shared by the notebook page and the editor's "Save to notebook".
 */
import type { CellRunRecord } from "@/lib/notebook/run-record";
import type { RunParams } from "@/lib/notebook/schema";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { MODEL_ID } from "@/components/run/backends";
import { parseCandidates, parseLines, type BackendChoice, type RunSettings, type ScoreRow } from "@/components/run/options";
import type { GenerateState, RankState, RunState } from "@/components/run/useRunner";

export function toSettings(p: RunParams): RunSettings {
  return { mode: p.decoding, maxTokens: p.maxTokens, minTokens: p.minTokens, temperature: p.temperature, topP: p.topP, seed: p.seed, stop: p.stop.join("\n"), trace: p.trace };
}

const clampInt = (v: number, lo: number, hi: number, fallback: number) => (Number.isFinite(v) ? Math.round(Math.min(hi, Math.max(lo, v))) : fallback);
const clampNum = (v: number, lo: number, hi: number, fallback: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback);

/** The form's values as stored parameters (always valid: out-of-range numbers are clamped). */
export function fromSettings(s: RunSettings, backend: BackendChoice, mode: RunParams["mode"], candidates: string[]): RunParams {
  const maxTokens = clampInt(s.maxTokens, 1, 256, 20);
  return {
    backend,
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
  const base = { cellId: args.cellId, version: args.version, backend: BACKEND_RECORD[state.backend], params: args.params, prompt: args.prompt };
  return state.kind === "generate" ? generateRecord(base, state) : rankRecord(base, state);
}

type Base = Pick<CellRunRecord, "cellId" | "version" | "backend" | "params" | "prompt">;

const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) && x >= 0 ? x : undefined);

function generateRecord(base: Base, s: GenerateState): CellRunRecord | null {
  const r = s.result;
  if (!r) return null;
  const totalMs = r.timings.encodeMs + r.timings.prefillMs + r.timings.decodeMs;
  return {
    ...base,
    provider: s.provider?.executionProvider ?? r.executionProvider,
    model: r.model ?? MODEL_ID,
    output: { mode: "generate", text: r.text, finishReason: r.finishReason },
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
    provider: s.provider?.executionProvider ?? "unknown",
    model: MODEL_ID,
    output: { mode: "rank", scores: s.rows.map((r) => ({ candidate: r.candidate, sum: r.sum, mean: r.mean, tokens: r.tokens })) },
    timings: { totalMs: finite(s.elapsedMs) ?? 0 },
  };
}

/** A saved rank run's scores as the rank chart's rows (share: softmax of the sums). */
export function savedScoreRows(scores: { candidate: string; sum: number; mean: number; tokens: number }[]): ScoreRow[] {
  if (scores.length === 0) return [];
  const max = Math.max(...scores.map((s) => s.sum));
  const z = scores.reduce((acc, s) => acc + Math.exp(s.sum - max), 0);
  const best = scores.findIndex((s) => s.sum === max);
  return scores.map((s, i) => ({ ...s, share: Math.exp(s.sum - max) / z, best: i === best }));
}

const BACKEND_LABEL: Record<string, string> = { "browser-webgpu": "Browser", "browser-wasm": "Browser", server: "Server", remote: "Remote" };
const PROVIDER_LABEL: Record<string, string> = { webgpu: "WebGPU", wasm: "WASM", cpu: "CPU", cuda: "CUDA" };

/** "Browser · WASM", "Server · CPU": where a saved run ran. */
export const ranOn = (backend: string, provider: string) => `${BACKEND_LABEL[backend] ?? backend} · ${PROVIDER_LABEL[provider.toLowerCase()] ?? provider}`;

/** A one-line summary of a cell's parameters ("WASM · greedy · ≤ 20 tokens"). */
export function paramsSummary(p: RunParams): string {
  const backend = { webgpu: "Browser · WebGPU", wasm: "Browser · WASM", server: "Server" }[p.backend];
  if (p.mode === "rank") return `${backend} · rank ${p.candidates.length} answer${p.candidates.length === 1 ? "" : "s"}`;
  const decoding = p.decoding === "sampling" ? `sampling T=${p.temperature} p=${p.topP} seed ${p.seed}` : p.decoding === "beam" ? "beam search" : "greedy";
  return `${backend} · ${decoding} · ≤ ${p.maxTokens} tokens${p.stop.length > 0 ? ` · ${p.stop.length} stop` : ""}`;
}
