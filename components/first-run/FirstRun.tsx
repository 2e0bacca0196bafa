"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { apiFetch } from "@/lib/api-client";
import { AssetImage } from "@/components/ui/AssetImage";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { agreement, chosenOf, explainOutcomes, rankAnswers, type FirstRunStep, type RankedAnswer, type ScoreAnswer } from "./story";

interface Props {
  steps: FirstRunStep[];
  candidates: string[];
  expected: string;
  templateId: string | null;
  comparisonHref: string | null;
  comparisonExists: boolean;
}

type StepState = { phase: "waiting" } | { phase: "running" } | { phase: "done"; rows: RankedAnswer[] } | { phase: "error"; error: unknown };

const examples = (n: number) => (n === 0 ? "No example" : n === 1 ? "1 example" : `${n} examples`);

/**
 * The home page's first-run path: one button that ranks the bundled example's answers on the server
 * (POST /api/score) at 0, 1 and 4 shots, one after another, and shows the three answers side by
 * side, in place, with their prompts' images, the ranking bars and what changed, in words.
 */
export function FirstRun({ steps, candidates, expected, templateId, comparisonHref, comparisonExists }: Props) {
  const [states, setStates] = useState<StepState[] | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const running = states?.some((s) => s.phase === "running" || s.phase === "waiting") ?? false;
  const start = async () => {
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setStates(steps.map(() => ({ phase: "waiting" })));
    const set = (i: number, s: StepState) => setStates((all) => (all && abort.current === ac ? all.map((x, j) => (j === i ? s : x)) : all));
    for (const [i, step] of steps.entries()) {
      set(i, { phase: "running" });
      try {
        const answer = await apiFetch<ScoreAnswer>("/api/score", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ prompt: step.prompt, candidates }),
          signal: ac.signal,
        });
        set(i, { phase: "done", rows: rankAnswers(answer) });
      } catch (error) {
        if (ac.signal.aborted) return;
        // The first failure says it all (the server or the model is down): stop there.
        setStates((all) => all && all.map((x, j) => (j === i ? { phase: "error", error } : j > i ? { phase: "error", error: null } : x)));
        return;
      }
    }
  };

  const outcomes = states?.every((s) => s.phase === "done") ? steps.map((step, i) => ({ step, rows: (states[i] as { rows: RankedAnswer[] }).rows })) : null;
  const story = outcomes ? explainOutcomes(outcomes, expected) : null;
  const perStep = story?.sentences;
  const firstError = states?.find((s): s is { phase: "error"; error: unknown } => s.phase === "error" && s.error !== null)?.error;

  return (
    <section className="card flex flex-col gap-3 border-brand-200 p-4" aria-labelledby="first-run-heading" data-testid="first-run">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="min-w-0 max-w-3xl">
          <h2 id="first-run-heading" className="text-base font-semibold">
            New here? Watch a model learn from examples
          </h2>
          <p className="text-sm text-stone-600">
            A few-shot model reads a few labelled images, then answers a new one, with no training. Here the labels are made-up words — a cat is a “dax”, a car a “blicket” — so the
            model can only learn them from the examples. We ask it about a new cat with 0, 1 and 4 examples.
          </p>
        </div>
        <button type="button" className="btn btn-primary shrink-0" onClick={() => void start()} disabled={running} data-testid="first-run-start">
          {running ? "Running…" : states ? "Run it again" : "See few-shot learning work"}
        </button>
      </div>

      {states ? (
        <>
          <ol className="grid grid-cols-1 gap-3 md:grid-cols-3" aria-label="The answer at 0, 1 and 4 examples" data-testid="first-run-results">
            {steps.map((step, i) => (
              <StepCard key={step.shots} step={step} state={states[i]!} expected={expected} sentence={perStep?.[i]} />
            ))}
          </ol>
          <div className="flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between" aria-live="polite">
            {story ? (
              <p className="text-sm font-medium text-stone-800" data-testid="first-run-summary">
                {story.headline}
              </p>
            ) : running ? (
              <p className="text-sm text-stone-500" role="status">
                Asking the model on the server… (the first run loads it)
              </p>
            ) : (
              <span />
            )}
            <div className="flex shrink-0 flex-wrap gap-2 text-sm">
              {templateId ? (
                <Link href={`/templates/${encodeURIComponent(templateId)}`} className="btn" data-testid="first-run-template-link">
                  Open the template
                </Link>
              ) : null}
              {comparisonHref ? (
                <Link href={comparisonHref} className="btn" data-testid="first-run-comparison-link">
                  {comparisonExists ? "See a comparison over a dataset" : "Compare shot counts over a dataset"}
                </Link>
              ) : null}
            </div>
          </div>
          <ErrorNotice error={firstError} title="The example could not run" />
        </>
      ) : null}
    </section>
  );
}

function StepCard({ step, state, expected, sentence }: { step: FirstRunStep; state: StepState; expected: string; sentence: string | undefined }) {
  const rows = state.phase === "done" ? state.rows : null;
  const chosen = rows ? chosenOf(rows) : undefined;
  const correct = chosen ? chosen.candidate.trim().toLowerCase() === expected.trim().toLowerCase() : undefined;
  const agree = chosen ? new Set(agreement(step.demos, chosen.candidate).agree) : new Set<number>();
  return (
    <li
      className="flex min-w-0 flex-col gap-2 rounded-md border border-stone-200 p-3"
      data-testid="first-run-step"
      data-shots={step.shots}
      data-state={state.phase}
      data-answer={chosen?.candidate ?? ""}
      data-correct={correct === undefined ? "" : String(correct)}
    >
      <h3 className="text-sm font-semibold">{examples(step.shots)}</h3>
      <div className="flex min-h-16 items-end gap-1.5 overflow-x-auto p-1" aria-label="The prompt's images">
        {step.demos.length === 0 ? <span className="self-center text-xs text-stone-500">nothing to learn from</span> : null}
        {step.demos.map((d, j) => {
          const yes = agree.has(j + 1);
          return (
            <figure key={j} className="flex shrink-0 flex-col items-center gap-0.5" data-testid="first-run-demo" data-agrees={chosen ? String(yes) : ""}>
              {d.images.map((img, k) => (
                <AssetImage key={k} assetId={img.assetId} alt={img.alt || `Example ${j + 1}`} className={`size-10 rounded ${chosen && yes ? "ring-2 ring-sky-600" : ""}`} />
              ))}
              <figcaption className={`font-mono text-[11px] ${chosen && yes ? "font-semibold text-sky-800" : "text-stone-600"}`} title={chosen && yes ? "the label the answer repeats" : undefined}>
                {d.answer}
              </figcaption>
            </figure>
          );
        })}
        <span aria-hidden className="self-center px-0.5 text-stone-400">
          →
        </span>
        {step.query.map((img, k) => (
          <figure key={k} className="flex shrink-0 flex-col items-center gap-0.5">
            <AssetImage assetId={img.assetId} alt={img.alt || "The new image"} className="size-10 rounded ring-2 ring-brand-500" />
            <figcaption className="font-mono text-[11px] text-brand-700">?</figcaption>
          </figure>
        ))}
      </div>
      <p className="flex items-baseline gap-2 text-sm" data-testid="first-run-answer">
        <span className="text-stone-500">Answer</span>
        {chosen ? (
          <>
            <span className="font-mono text-base font-semibold">{chosen.candidate}</span>
            <span className={correct ? "text-emerald-700" : "text-red-700"}>{correct ? "✓ right" : "✗ wrong"}</span>
          </>
        ) : state.phase === "running" ? (
          <span className="text-stone-500">thinking…</span>
        ) : state.phase === "error" ? (
          <span className="text-red-700">not run</span>
        ) : (
          <span className="text-stone-400">waiting</span>
        )}
      </p>
      <ul className="flex flex-col gap-1" aria-label="How likely each answer is" data-testid="first-run-bars">
        {(rows ?? []).map((r) => (
          <li key={r.candidate} className="grid grid-cols-[4rem_minmax(0,1fr)_2.5rem] items-center gap-2 text-xs" data-testid="first-run-bar" data-candidate={r.candidate} data-share={r.share.toFixed(4)}>
            <span className="truncate font-mono">{r.candidate}</span>
            <span className="h-2.5 rounded bg-stone-100" role="presentation">
              <span className={`block h-2.5 rounded ${r.best ? "bg-brand-600" : "bg-stone-400"}`} style={{ width: `${Math.max(1.5, r.share * 100).toFixed(1)}%` }} />
            </span>
            <span className="text-right tabular-nums text-stone-600">{Math.round(r.share * 100)}%</span>
          </li>
        ))}
      </ul>
      {sentence ? (
        <p className="text-xs text-stone-600" data-testid="first-run-explanation">
          {sentence}
        </p>
      ) : null}
    </li>
  );
}
