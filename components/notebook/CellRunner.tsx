"use client";

import { useId, useImperativeHandle, useMemo, useState, type Ref } from "react";
import { BindingsForm } from "@/components/run/BindingsForm";
import { LoadStatus } from "@/components/run/LoadStatus";
import { ParamsForm } from "@/components/run/ParamsForm";
import { GenerateOutput, ImageLimitWarning, RankOutput, phaseText } from "@/components/run/RunPanel";
import { defaultCandidates, engineLabel, engineOf, imageLimitProblem, isRemoteTarget, parseCandidates, settingsForTarget, shotsIn, variablesToBind, type RunTarget } from "@/components/run/options";
import { useEngines } from "@/components/run/useEngines";
import { useRunner, type RunState } from "@/components/run/useRunner";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { setBinding } from "@/lib/notebook/ops";
import type { Cell, CellBindings, RunParams } from "@/lib/notebook/schema";
import { render, RenderError } from "@/lib/prompt/render";
import type { Template } from "@/lib/prompt/schema";
import { imagesOf, type PromptSequence } from "@/lib/prompt/sequence";
import type { CellRunDetail } from "@/lib/store/types";
import { fromSettings, paramsSummary, startHint, targetOf, toSettings } from "./run-params";
import { RunHistory, SavedRun } from "./SavedRun";

export interface CellRunnerHandle {
  /** Run the cell as it is now; resolves when it ends (null: it could not start, or another run replaced it). */
  run(): Promise<RunState | null>;
  cancel(): void;
}

export interface FinishedCellRun {
  params: RunParams;
  prompt: PromptSequence;
  state: RunState;
}

interface Props {
  cell: Cell;
  /** The prompt's template (resolved for library cells); null while it cannot be had. */
  template: Template | null;
  runs: CellRunDetail[];
  onParams(p: RunParams): void;
  onBindings(b: CellBindings): void;
  /** A run finished (done): the notebook saves it. */
  onFinished(run: FinishedCellRun): Promise<CellRunDetail>;
  handle: Ref<CellRunnerHandle>;
}

/** A cell's run controls (bindings, mode, parameters), its live output, and its saved runs. */
export function CellRunner({ cell, template, runs, onParams, onBindings, onFinished, handle }: Props) {
  const group = useId();
  const p = cell.params;
  const { state, busy, runGenerate, runRank, cancel } = useRunner();
  const [ran, setRan] = useState<{ images: string[]; shots: number }>({ images: [], shots: 0 });
  // Untouched (null): the cell's saved candidates, else the template's own answers when it is closed-ended.
  const [typed, setCandidateText] = useState<string | null>(null);
  const candidateText = typed ?? (p.candidates.length > 0 ? p.candidates.join("\n") : template ? defaultCandidates(template) : "");
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [liveSaved, setLiveSaved] = useState<CellRunDetail | null>(null);

  const rendered = useMemo((): { prompt: PromptSequence; error?: undefined } | { prompt?: undefined; error: unknown } | null => {
    if (!template) return null;
    try {
      return { prompt: render(template, cell.prompt.bindings) };
    } catch (error) {
      return { error };
    }
  }, [template, cell.prompt.bindings]);
  const candidates = parseCandidates(candidateText);
  // A variable with nothing bound yet is where a new cell starts, not an error: say what to do.
  const toBind =
    rendered?.error instanceof RenderError && template && cell.prompt.bindings[rendered.error.variable] === undefined ? startHint(template, rendered.error.variable, cell.prompt.kind === "inline") : null;
  const target = targetOf(p);
  const { engines } = useEngines();
  const engine = engineOf(target, engines);
  const remote = isRemoteTarget(target, engines);
  const limitProblem = rendered?.prompt ? imageLimitProblem(imagesOf(rendered.prompt).length, engine) : null;
  const canRun = !busy && !saving && rendered?.prompt !== undefined && limitProblem === null && (p.mode === "generate" || candidates.length > 0);

  const setParams = (next: RunParams) => onParams(next);
  const setCandidates = (text: string) => {
    setCandidateText(text);
    onParams({ ...p, candidates: fromSettings(toSettings(p), target, p.mode, parseCandidates(text)).candidates });
  };
  const chooseTarget = (t: RunTarget) => setParams(fromSettings(settingsForTarget(toSettings(p), isRemoteTarget(t, engines)), t, p.mode, p.candidates));

  const run = async (): Promise<RunState | null> => {
    // "Run all" calls this too: a prompt the engine cannot take is not sent (the cell says why).
    if (!rendered?.prompt || busy || limitProblem !== null || (p.mode === "rank" && candidates.length === 0)) return null;
    const prompt = rendered.prompt;
    const params = { ...p, candidates: p.mode === "rank" ? candidates : p.candidates };
    setRan({ images: imagesOf(prompt), shots: shotsIn(prompt) });
    setSaveError(null);
    setLiveSaved(null);
    const final = p.mode === "generate" ? await runGenerate(target, prompt, toSettings(p), remote) : await runRank(target, prompt, candidates, remote);
    if (final?.phase === "done") {
      setSaving(true);
      try {
        setLiveSaved(await onFinished({ params, prompt, state: final }));
      } catch (e) {
        setSaveError(e);
      } finally {
        setSaving(false);
      }
    }
    return final;
  };
  useImperativeHandle(handle, () => ({ run, cancel }));

  // Until the page reloads, the live output (with its attention trace) stands for the newest run; it is saved too.
  const live = state !== null;
  const latest = live ? undefined : runs[0];
  const earlier = live ? runs.filter((r) => r.id !== liveSaved?.id) : runs.slice(1);

  return (
    <div className="flex flex-col gap-3" data-testid="cell-runner">
      {template ? (
        <BindingsForm variables={variablesToBind(template)} bindings={cell.prompt.bindings} onChange={(name, value) => onBindings(setBinding(cell.prompt.bindings, name, value))} />
      ) : null}

      <div className="flex flex-wrap items-center gap-2">
        <div className="flex rounded-md border border-stone-300 p-0.5" role="group" aria-label="Run mode">
          {(["generate", "rank"] as const).map((m) => (
            <button
              key={m}
              type="button"
              aria-pressed={p.mode === m}
              className={`rounded px-2 py-0.5 text-xs font-medium ${p.mode === m ? "bg-stone-900 text-white" : "text-stone-600 hover:bg-stone-100"}`}
              onClick={() => setParams({ ...p, mode: m })}
              disabled={busy}
              data-testid={`cell-mode-${m}`}
            >
              {m === "generate" ? "Generate" : "Rank answers"}
            </button>
          ))}
        </div>
        <button type="button" className="btn btn-primary px-3 py-1" onClick={() => void run()} disabled={!canRun} data-testid="run-start" aria-keyshortcuts="Control+Enter Meta+Enter">
          {p.mode === "generate" ? "Run" : "Rank"}
        </button>
        {busy ? (
          <button type="button" className="btn px-3 py-1" onClick={cancel} data-testid="run-cancel">
            Cancel
          </button>
        ) : null}
        <span className="text-xs text-stone-500" role="status" aria-live="polite" data-testid="run-phase" data-phase={saving ? "saving" : state?.phase ?? "idle"}>
          {saving ? "Saving the run…" : state ? phaseText(state) : null}
        </span>
      </div>

      <details className="group rounded-md border border-stone-200 bg-stone-50/60">
        <summary className="flex cursor-pointer list-none items-center justify-between gap-2 px-3 py-1.5 text-xs text-stone-600 hover:text-stone-900" data-testid="cell-params-summary">
          <span className="truncate">{paramsSummary({ ...p, candidates }, engine && target.engine ? engineLabel(engine) : undefined)}</span>
          <span className="shrink-0 font-medium group-open:hidden">Parameters</span>
          <span className="hidden shrink-0 font-medium group-open:inline">Hide</span>
        </summary>
        <div className="flex flex-col gap-3 border-t border-stone-200 p-3">
          <ParamsForm
            group={group}
            target={target}
            onTarget={chooseTarget}
            settings={toSettings(p)}
            onSettings={(s) => setParams(fromSettings(s, target, p.mode, p.candidates))}
            showDecoding={p.mode === "generate"}
            disabled={busy}
          />
          {p.mode === "rank" ? (
            <label className="flex flex-col text-xs">
              <span className="label">Candidate answers (one per line)</span>
              <textarea className="input font-mono" rows={3} value={candidateText} onChange={(e) => setCandidates(e.target.value)} disabled={busy} data-testid="run-candidates" />
            </label>
          ) : null}
        </div>
      </details>

      {rendered?.error ? (
        toBind ? (
          <p role="status" className="rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-xs text-sky-900" data-testid="cell-start-hint">
            {toBind}
          </p>
        ) : (
          <ErrorNotice error={rendered.error} title="The prompt cannot be rendered yet" />
        )
      ) : null}
      <ImageLimitWarning problem={limitProblem} />
      {p.mode === "rank" && candidates.length === 0 ? <p className="text-xs text-stone-500">Add candidate answers (under Parameters) to rank them.</p> : null}

      {state ? (
        <div className="flex flex-col gap-2" data-testid="cell-live-output">
          <LoadStatus loading={state.phase === "loading"} progress={state.progress} backend={state.backend} provider={state.provider} />
          {state.phase === "error" ? <ErrorNotice error={state.error} title={state.kind === "generate" ? "The run failed" : "Ranking failed"} /> : null}
          {state.kind === "generate" ? <GenerateOutput state={state} images={ran.images} traced={p.trace && !state.remote} shots={ran.shots} /> : <RankOutput state={state} />}
          {state.phase === "done" && liveSaved ? (
            <p className="text-xs text-emerald-700" data-testid="cell-run-saved">
              Saved with notebook v{liveSaved.version}.
            </p>
          ) : null}
        </div>
      ) : latest ? (
        <SavedRun run={latest} />
      ) : (
        <p className="text-xs text-stone-500" data-testid="cell-no-runs">
          Not run yet. Press Run (or Ctrl/⌘ + Enter in this cell).
        </p>
      )}
      <ErrorNotice error={saveError} title="The run finished but was not saved" />
      <RunHistory runs={earlier} />
    </div>
  );
}
