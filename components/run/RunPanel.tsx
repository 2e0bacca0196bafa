"use client";

import { useMemo, useState, type ReactNode } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { render, type Bindings } from "@/lib/prompt/render";
import type { Template } from "@/lib/prompt/schema";
import { imagesOf, type PromptSequence } from "@/lib/prompt/sequence";
import { BindingsForm } from "./BindingsForm";
import { Figures } from "@/components/ui/Figures";
import type { EngineSummary } from "@/lib/engines/types";
import { LoadStatus } from "./LoadStatus";
import { ParamsForm } from "./ParamsForm";
import { RankChart } from "./RankChart";
import { RankMethodLine, RunInspector } from "./RunInspector";
import { DemonstrationAgreement, TraceView } from "./TraceView";
import { demonstrationsOf } from "./trace-summary";
import { useEngines } from "./useEngines";
import { usePreloadModel } from "./usePreloadModel";
import { useRunner, type GenerateState, type RankState, type RunState } from "./useRunner";
import {
  DEFAULT_BACKEND,
  DEFAULT_SETTINGS,
  REMOTE_LIMITS_REASON,
  limitsReason,
  defaultCandidates,
  defaultRunMode,
  emptyOutputReason,
  engineOf,
  formatBytes,
  formatMs,
  imageLimitProblem,
  isRemoteTarget,
  parseCandidates,
  rankMethodInfo,
  settingsForTarget,
  shotsIn,
  variablesToBind,
  type BackendChoice,
  type RunSettings,
  type RunTarget,
} from "./options";

const initialBindings = (t: Template): Bindings => Object.fromEntries(t.variables.flatMap((v) => (v.kind === "text" && v.default !== undefined ? [[v.name, v.default]] : [])));

export const providerLabel = (ep: string | undefined) => (ep ? ({ webgpu: "WebGPU", wasm: "WASM", cpu: "CPU", cuda: "CUDA" } as Record<string, string>)[ep.toLowerCase()] ?? ep : "—");

/** "Browser · WASM", "Server · CPU", or a registry engine's "<name> · <model>". */
export function ranOnText(where: { backend: BackendChoice; engine?: string }, executionProvider: string | undefined, model: string | undefined, engines: readonly EngineSummary[] | null): string {
  if (where.engine) {
    const e = engines?.find((x) => x.id === where.engine);
    if (e?.kind === "transformersjs") return `Browser · ${e.name} · ${providerLabel(executionProvider)}`;
    if (e && e.kind !== "openai") return `Server · ${e.name} · ${providerLabel(executionProvider)}`;
    const m = model ?? e?.settings?.model;
    return `${e?.name ?? where.engine}${m ? ` · ${m}` : ""}`;
  }
  return `${where.backend === "server" ? "Server" : "Browser"} · ${providerLabel(executionProvider)}`;
}

/** The image-limit warning: the run is refused before it starts. */
export function ImageLimitWarning({ problem }: { problem: string | null }) {
  if (!problem) return null;
  return (
    <p role="alert" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900" data-testid="engine-image-limit-warning">
      {problem}
    </p>
  );
}

/** What a finished run was, for a caller that keeps it (a notebook cell). */
export interface RunSnapshot {
  state: RunState;
  /** The template as it was run. */
  template: Template;
  backend: BackendChoice;
  /** The registry engine (server only; absent: the bundled model). */
  engine?: string;
  settings: RunSettings;
  bindings: Bindings;
  candidates: string[];
  prompt: PromptSequence;
}

interface Props {
  template: Template;
  footer?: (run: RunSnapshot) => ReactNode;
  /** Bindings held by the caller (the editor: the composer fills image variables too); absent, the panel keeps its own. */
  bindings?: Bindings;
  onBind?(name: string, value: Bindings[string]): void;
}

/**
 * Run a template: bind its variables, pick a backend and parameters, stream a generation or rank candidate answers.
 * It opens on what the template is for (Rank for a closed-ended one: defaultRunMode), on the default backend.
 * `footer` is shown once a run has finished, with what ran (the editor offers "Save to notebook" there).
 */
export function RunPanel({ template, footer, bindings: heldBindings, onBind }: Props) {
  const [tab, setTab] = useState<"generate" | "rank">(() => defaultRunMode(template));
  const [target, setTarget] = useState<RunTarget>({ backend: DEFAULT_BACKEND });
  const [settings, setSettings] = useState<RunSettings>(DEFAULT_SETTINGS);
  const [ownBindings, setOwnBindings] = useState<Bindings>(() => initialBindings(template));
  const bindings = heldBindings ?? ownBindings;
  const bind = (name: string, value: Bindings[string]) => (onBind ? onBind(name, value) : setOwnBindings((b) => ({ ...b, [name]: value })));
  const [candidates, setCandidates] = useState(() => defaultCandidates(template));
  const { state, busy, runGenerate, runRank, cancel } = useRunner();
  // The browser model starts loading when the panel mounts (idle), not when Run is pressed; a
  // registry engine is not the bundled browser model ("server": nothing to preload).
  const preload = usePreloadModel(target.engine ? "server" : target.backend);
  // What the current run started with (the form may change while it runs).
  const [ranWith, setRanWith] = useState<Omit<RunSnapshot, "state"> | null>(null);

  const rendered = useMemo((): { prompt: PromptSequence; error?: undefined } | { prompt?: undefined; error: unknown } => {
    try {
      return { prompt: render(template, bindings) };
    } catch (error) {
      return { error };
    }
  }, [template, bindings]);
  const candidateList = parseCandidates(candidates);
  const { engines } = useEngines();
  const remote = isRemoteTarget(target, engines);
  const limitProblem = rendered.prompt ? imageLimitProblem(imagesOf(rendered.prompt).length, engineOf(target, engines)) : null;
  const canRun = !busy && rendered.prompt !== undefined && limitProblem === null && (tab === "generate" || candidateList.length > 0);

  const chooseTarget = (t: RunTarget) => {
    setTarget(t);
    setSettings((s) => settingsForTarget(s, isRemoteTarget(t, engines)));
  };

  const start = () => {
    if (!rendered.prompt || limitProblem) return;
    setRanWith({ template, backend: target.backend, ...(target.engine ? { engine: target.engine } : {}), settings, bindings, candidates: candidateList, prompt: rendered.prompt });
    if (tab === "generate") void runGenerate(target, rendered.prompt, settings, remote);
    else void runRank(target, rendered.prompt, candidateList, remote);
  };

  return (
    <section className="card flex flex-col gap-4 p-4" aria-labelledby="run-heading" data-testid="run-panel">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="run-heading" className="text-sm font-semibold">
          Run
        </h2>
        <div className="flex gap-1" role="tablist" aria-label="Run mode">
          {(["generate", "rank"] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={tab === t}
              className={`rounded-md px-2.5 py-1 text-xs font-medium ${tab === t ? "bg-stone-900 text-white" : "text-stone-600 hover:bg-stone-100"}`}
              onClick={() => setTab(t)}
              data-testid={`run-tab-${t}`}
            >
              {t === "generate" ? "Generate" : "Rank answers"}
            </button>
          ))}
        </div>
      </div>

      <BindingsForm variables={variablesToBind(template)} bindings={bindings} onChange={bind} />
      <ParamsForm target={target} onTarget={chooseTarget} settings={settings} onSettings={setSettings} showDecoding={tab === "generate"} disabled={busy} />

      {tab === "rank" ? (
        <label className="flex flex-col text-xs">
          <span className="label">Candidate answers (one per line)</span>
          <textarea className="input font-mono" rows={3} value={candidates} onChange={(e) => setCandidates(e.target.value)} disabled={busy} data-testid="run-candidates" />
        </label>
      ) : null}

      {rendered.error ? <ErrorNotice error={rendered.error} title="The prompt cannot be rendered yet" /> : null}
      <ImageLimitWarning problem={limitProblem} />

      <div className="flex items-center gap-2">
        <button type="button" className="btn btn-primary" onClick={start} disabled={!canRun} data-testid="run-start">
          {tab === "generate" ? "Run" : "Rank"}
        </button>
        <button type="button" className="btn" onClick={cancel} disabled={!busy} data-testid="run-cancel">
          Cancel
        </button>
        <span className="text-xs text-stone-500" role="status" aria-live="polite" data-testid="run-phase" data-phase={state?.phase ?? "idle"}>
          {state ? phaseText(state) : null}
        </span>
      </div>

      {state ? (
        <LoadStatus loading={state.phase === "loading"} progress={state.progress} backend={state.backend} provider={state.provider} />
      ) : (
        <LoadStatus loading={preload.loading} {...(preload.progress ? { progress: preload.progress } : {})} backend={target.backend} background />
      )}
      {state?.phase === "error" ? <ErrorNotice error={state.error} title={state.kind === "generate" ? "The run failed" : "Ranking failed"} /> : null}
      {state?.kind === "generate" ? (
        <GenerateOutput state={state} images={rendered.prompt ? imagesOf(rendered.prompt) : []} traced={settings.trace && !state.remote} shots={ranWith ? shotsIn(ranWith.prompt) : template.shots.length} />
      ) : null}
      {state?.kind === "rank" ? <RankOutput state={state} {...(ranWith ? { prompt: ranWith.prompt } : {})} /> : null}
      {footer && state?.phase === "done" && ranWith ? footer({ ...ranWith, state }) : null}
    </section>
  );
}

export function phaseText(s: GenerateState | RankState): string {
  switch (s.phase) {
    case "loading":
      return "Loading the model…";
    case "running":
      return s.kind === "generate" ? "Generating…" : "Scoring…";
    case "done":
      return "Done";
    case "cancelled":
      return "Cancelled";
    case "error":
      return "Failed";
    default:
      return "";
  }
}

/** The streamed answer and its figures; `shots`: the demonstrations in the prompt that ran (to explain an empty answer). */
export function GenerateOutput({ state, images, traced, shots }: { state: GenerateState; images: string[]; traced: boolean; shots: number }) {
  const text = state.result?.text ?? state.tokens.filter((t) => !t.stop).map((t) => t.text).join("");
  const r = state.result;
  const { engines } = useEngines();
  const empty = r && state.phase === "done" ? emptyOutputReason({ text: r.text, finishReason: r.finishReason, completionTokens: r.usage.completionTokens, shots, remote: state.remote === true }) : null;
  return (
    <div className="flex flex-col gap-3" data-testid="run-output">
      <output
        className="min-h-10 rounded-md border border-stone-200 bg-stone-50 px-3 py-2 font-mono text-sm whitespace-pre-wrap wrap-anywhere"
        aria-label="Generated answer"
        data-testid="run-text"
        data-final={r ? "true" : "false"}
      >
        {text}
        {state.phase === "running" ? <span className="animate-pulse text-brand-600">▍</span> : null}
      </output>
      <EmptyOutputNote reason={empty} />
      <Figures
        items={[
          { label: "ran on", value: ranOnText(state, state.provider?.executionProvider ?? r?.executionProvider, r?.model, engines), testId: "run-provider" },
          ...(state.progress
            ? [
                {
                  label: "model",
                  value: state.progress.fromCache ? `from the browser cache (${formatBytes(state.progress.totalBytes)})` : `downloaded ${formatBytes(state.progress.totalBytes)}`,
                  testId: "run-model-source",
                },
              ]
            : []),
          ...(state.loadMs !== undefined ? [{ label: "model ready in", value: formatMs(state.loadMs), testId: "run-load-ms" }] : []),
          { label: "time to first token", value: formatMs(state.ttftMs), testId: "run-ttft" },
          { label: "tokens/s", value: r && r.timings.tokensPerSecond > 0 ? r.timings.tokensPerSecond.toFixed(1) : "—", testId: "run-tps" },
          ...(r?.latencyMs !== undefined ? [{ label: "latency", value: formatMs(r.latencyMs), testId: "run-latency" }] : []),
          ...(r
            ? [
                { label: "tokens", value: `${r.usage.completionTokens} (${r.finishReason.replace("_", " ")})`, testId: "run-tokens" },
                { label: "prompt", value: `${r.usage.promptTokens} tok · ${r.usage.images} img`, testId: "run-usage" },
              ]
            : []),
        ]}
      />
      {state.tokens.length > 0 ? (
        <TraceView
          tokens={state.tokens}
          images={images}
          traced={traced && state.tokens.some((t) => t.trace)}
          {...(state.remote ? { untraceable: limitsReason(state, engines) ?? REMOTE_LIMITS_REASON } : {})}
        />
      ) : null}
      {r ? <RunInspector exchange={r.exchange} latencyMs={r.latencyMs} usage={{ promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens }} /> : null}
    </div>
  );
}

/** `prompt`: the prompt that was ranked, to say which of its demonstrations agree with the best answer. */
export function RankOutput({ state, prompt }: { state: RankState; prompt?: PromptSequence }) {
  const { engines } = useEngines();
  const demos = useMemo(() => (prompt ? demonstrationsOf(prompt).demos : []), [prompt]);
  if (state.phase !== "done") return null;
  const best = state.rows.find((r) => r.best)?.candidate;
  return (
    <div className="flex flex-col gap-2" data-testid="rank-output">
      <Figures
        items={[
          { label: "ran on", value: ranOnText(state, state.provider?.executionProvider, state.model, engines), testId: "rank-provider" },
          { label: "scored in", value: formatMs(state.elapsedMs), testId: "rank-ms" },
          ...(state.usage ? [{ label: "tokens", value: `${state.usage.promptTokens} prompt · ${state.usage.completionTokens} completion`, testId: "rank-usage" }] : []),
        ]}
      />
      <RankMethodLine info={rankMethodInfo(state.method, state.approximate, state.note)} />
      <RankChart rows={state.rows} />
      {best !== undefined && demos.length > 0 ? <DemonstrationAgreement demos={demos} answer={best} /> : null}
      <RunInspector exchange={state.exchange} latencyMs={state.latencyMs ?? state.elapsedMs} {...(state.usage ? { usage: state.usage } : {})} />
    </div>
  );
}

/** Why an answer is empty, in words (nothing when it is not). */
export function EmptyOutputNote({ reason }: { reason: string | null }) {
  if (!reason) return null;
  return (
    <p role="note" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900" data-testid="run-empty-reason">
      <span className="font-medium">No text. </span>
      {reason}
    </p>
  );
}
