"use client";

import { useEffect, useState } from "react";
import { AssetImage } from "@/components/ui/AssetImage";
import { CopyButton } from "@/components/ui/CopyButton";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { useModalDialog } from "@/components/ui/useModalDialog";
import { SELECTION_LABELS } from "@/lib/sweeps/client/chart";
import type { SweepCellPrompt, SweepCellResult, SweepItemRef, SweepMode } from "@/lib/sweeps/types";
import { getCellPrompt, type CellRef } from "./api";

/** One engine's result of the opened cell (`label` null when the sweep has one engine). */
export interface CellOutcome {
  engine: string;
  label: string | null;
  result: SweepCellResult | undefined;
  /** Its sweep does not plan this cell (another sweep's shot count, selection, seed or item). */
  absent?: boolean;
}

export interface OpenCell {
  ref: CellRef;
  /** The engine shown in the grid, or every engine in "compare engines", or both sweeps' engines. */
  outcomes: CellOutcome[];
  /** Whose prompt to show, when not the page's sweep (a cell only the overlaid sweep has). */
  sweepId?: string;
  /** Says whose prompt it is when two sweeps are compared. */
  note?: string;
}

/**
 * One cell's exact prompt in a side sheet (a modal <dialog>: Esc closes, focus returns to the
 * cell): the demonstrations in prompt order with their images and answers, the query, each shown
 * engine's output (or its error), and the serialized text the tokenizer saw (every engine ran the
 * same demonstrations).
 */
export function PromptDialog({ sweepId, mode, open, onClose }: { sweepId: string; mode: SweepMode; open: OpenCell | null; onClose(): void }) {
  const ref = useModalDialog(open !== null);
  const [state, setState] = useState<{ key: string; prompt?: SweepCellPrompt; error?: unknown } | null>(null);
  const from = open?.sweepId ?? sweepId;
  const key = open ? `${from}|${open.ref.itemId}|${open.ref.shots}|${open.ref.seed}|${open.ref.selection}` : "";

  useEffect(() => {
    if (!open) return;
    const ac = new AbortController();
    getCellPrompt(from, open.ref, ac.signal).then(
      (prompt) => setState({ key, prompt }),
      (error: unknown) => {
        if (!ac.signal.aborted) setState({ key, error });
      },
    );
    return () => ac.abort();
  }, [from, open, key]);

  const current = state?.key === key ? state : null;
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside the sheet) closes it.
        if (e.target === e.currentTarget) e.currentTarget.close();
      }}
      className="fixed inset-y-0 right-0 left-auto m-0 h-dvh max-h-none w-full max-w-2xl overflow-hidden border-l border-stone-200 bg-white p-0 shadow-2xl backdrop:bg-stone-900/30 sm:w-[42rem]"
      aria-labelledby="cell-prompt-title"
      data-testid="prompt-dialog"
    >
      {open ? (
        <div className="flex h-full flex-col">
          <header className="flex items-start justify-between gap-3 border-b border-stone-200 px-4 py-3">
            <div>
              <h2 id="cell-prompt-title" className="text-sm font-semibold">
                The prompt at {open.ref.shots} {open.ref.shots === 1 ? "shot" : "shots"}
              </h2>
              <p className="text-xs text-stone-500">
                {SELECTION_LABELS[open.ref.selection]} selection{open.ref.selection === "rices" ? "" : ` · seed ${open.ref.seed}`}
              </p>
            </div>
            <button type="button" className="btn px-2 py-1 text-xs" onClick={() => ref.current?.close()} data-testid="prompt-dialog-close" autoFocus>
              Close
            </button>
          </header>
          <div className="flex-1 overflow-y-auto px-4 py-3">
            {open.outcomes.map((o, i) => (
              <Outcome key={`${i}-${o.engine}`} outcome={o} mode={mode} />
            ))}
            {open.note ? (
              <p className="mb-3 text-xs text-stone-600" data-testid="prompt-dialog-note">
                {open.note}
              </p>
            ) : null}
            {current?.error ? <ErrorNotice error={current.error} title="The prompt could not be loaded" /> : null}
            {!current ? (
              <p className="py-6 text-sm text-stone-500" role="status">
                Loading the prompt…
              </p>
            ) : null}
            {current?.prompt ? <PromptBody prompt={current.prompt} /> : null}
          </div>
        </div>
      ) : null}
    </dialog>
  );
}

function Outcome({ outcome, mode }: { outcome: CellOutcome; mode: SweepMode }) {
  const { result, label } = outcome;
  const who = label ? <span className="font-semibold">{label}:</span> : null;
  if (outcome.absent)
    return (
      <p className="mb-3 rounded-md border border-dashed border-stone-300 px-3 py-2 text-xs text-stone-600" data-testid="prompt-outcome-absent" data-engine={outcome.engine}>
        {who} Not in this sweep: it has no such cell.
      </p>
    );
  if (!result)
    return (
      <p className="mb-3 rounded-md border border-dashed border-stone-300 px-3 py-2 text-xs text-stone-600" data-testid="prompt-outcome-pending" data-engine={outcome.engine}>
        {who} This cell has not run yet; this is the prompt it will get.
      </p>
    );
  if (result.error !== null)
    return (
      <p className="mb-3 flex flex-col gap-1 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="prompt-outcome" data-engine={outcome.engine} data-state="failed">
        <span className="font-medium">
          {who} ⚠ Failed after its last attempt <span className="text-xs font-normal tabular-nums opacity-80">· {Math.round(result.ms)} ms</span>
        </span>
        <span className="font-mono text-xs wrap-anywhere">{result.error}</span>
        <span className="text-xs">Not counted in the accuracy; “Retry failed cells” runs it again.</span>
      </p>
    );
  return (
    <p
      className={`mb-3 flex flex-wrap items-baseline gap-x-3 gap-y-1 rounded-md border px-3 py-2 text-sm ${result.correct ? "border-emerald-200 bg-emerald-50 text-emerald-900" : "border-red-200 bg-red-50 text-red-900"}`}
      data-testid="prompt-outcome"
      data-engine={outcome.engine}
      data-state={result.correct ? "correct" : "wrong"}
      data-correct={result.correct ? "true" : "false"}
    >
      {who}
      <span className="font-medium">{result.correct ? "✓ Correct" : "✗ Wrong"}</span>
      <span>
        output <code className="font-mono font-semibold">{result.output || "(empty)"}</code>
      </span>
      <span className="text-xs opacity-80 tabular-nums">
        {mode === "rank" ? `log-likelihood ${result.score.toFixed(3)}` : `token F1 ${result.score.toFixed(2)}`} · {Math.round(result.ms)} ms
        {result.promptTokens !== null || result.completionTokens !== null ? ` · ${result.promptTokens ?? "?"} + ${result.completionTokens ?? "?"} tokens` : ""}
      </span>
    </p>
  );
}

function PromptBody({ prompt }: { prompt: SweepCellPrompt }) {
  return (
    <div className="flex flex-col gap-4" data-testid="cell-prompt" data-demos={prompt.demonstrations.length}>
      <section aria-labelledby="demos-heading">
        <h3 id="demos-heading" className="mb-1 text-xs font-semibold uppercase tracking-wide text-stone-500">
          {prompt.demonstrations.length === 0 ? "No demonstrations (zero-shot)" : `${prompt.demonstrations.length} demonstrations, in prompt order`}
        </h3>
        {prompt.demonstrations.length > 0 ? (
          <p className="mb-2 text-xs text-stone-600" data-testid="cell-demo-answers">
            Answers shown:{" "}
            {answerCounts(prompt.demonstrations).map(([answer, n], i) => (
              <span key={answer}>
                {i > 0 ? " · " : null}
                <code className={`font-mono ${answer === prompt.query.answer ? "font-semibold text-emerald-800" : ""}`}>{answer}</code> ×{n}
              </span>
            ))}
            {prompt.demonstrations.some((d) => d.answer === prompt.query.answer) ? null : <span className="text-amber-800"> (none shows the expected answer)</span>}
          </p>
        ) : null}
        <ol className="grid grid-cols-4 gap-2 sm:grid-cols-6" data-testid="cell-demos">
          {prompt.demonstrations.map((d, i) => (
            <ItemCard key={`${d.id}-${i}`} item={d} index={i + 1} testId="cell-demo" />
          ))}
          <ItemCard item={prompt.query} query testId="cell-query" />
        </ol>
      </section>
      {prompt.candidates && prompt.candidates.length > 0 ? (
        <p className="text-xs text-stone-600">
          Candidates ranked:{" "}
          {prompt.candidates.map((c) => (
            <code key={c} className="mr-1 rounded bg-stone-100 px-1 font-mono">
              {c}
            </code>
          ))}
        </p>
      ) : null}
      <section aria-labelledby="text-heading" className="flex flex-col gap-1">
        <div className="flex items-center justify-between gap-2">
          <h3 id="text-heading" className="text-xs font-semibold uppercase tracking-wide text-stone-500">
            Serialized prompt ({prompt.images.length} {prompt.images.length === 1 ? "image" : "images"})
          </h3>
          <CopyButton text={prompt.text} label="Copy" testId="cell-prompt-copy" />
        </div>
        <pre className="max-h-80 overflow-auto rounded-md bg-stone-50 px-3 py-2 font-mono text-xs leading-relaxed whitespace-pre-wrap wrap-anywhere text-stone-800" data-testid="cell-prompt-text">
          {highlight(prompt.text)}
        </pre>
      </section>
    </div>
  );
}

function ItemCard({ item, index, query, testId }: { item: SweepItemRef; index?: number; query?: boolean; testId: string }) {
  return (
    <li className={`flex flex-col gap-1 rounded-md border p-1.5 text-xs ${query ? "border-brand-500 bg-brand-50" : "border-stone-200"}`} data-testid={testId}>
      <AssetImage assetId={item.assetId} alt={query ? "The query image" : `Demonstration ${index}`} className="aspect-square w-full rounded" />
      <span className="text-[10px] uppercase tracking-wide text-stone-500">{query ? "query" : `#${index}`}</span>
      {item.question ? <span className="line-clamp-2 text-stone-600">{item.question}</span> : null}
      <span className="font-mono font-medium wrap-anywhere">{query ? `expected: ${item.answer}` : item.answer}</span>
    </li>
  );
}

/** The special tokens coloured, as in the template page's serialized prompt. */
function highlight(text: string) {
  return text.split(/(<image>|<\|endofchunk\|>)/).map((piece, i) =>
    piece === "<image>" ? (
      <span key={i} className="text-sky-700">
        {piece}
      </span>
    ) : piece === "<|endofchunk|>" ? (
      <span key={i} className="text-brand-700">
        {piece}
      </span>
    ) : (
      piece
    ),
  );
}

/** Each distinct answer among the demonstrations with its count, most frequent first. */
function answerCounts(demos: SweepItemRef[]): [string, number][] {
  const m = new Map<string, number>();
  for (const d of demos) m.set(d.answer, (m.get(d.answer) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
