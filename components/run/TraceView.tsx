"use client";

import { useMemo, useState } from "react";
import { AssetImage } from "@/components/ui/AssetImage";
import type { TokenEvent } from "@/lib/runtime/engine";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { agreeing, demonstrationsOf, describeAgreement, openness, summarizeTrace, type PromptDemonstration } from "./trace-summary";

interface Props {
  tokens: TokenEvent[];
  /** The prompt's images in order (one per `<image>`). */
  images: string[];
  /** Whether the run asked for the trace. */
  traced: boolean;
  /** Why this run could have no trace at all (a remote engine), said instead of "turn it on". */
  untraceable?: string;
  /** The prompt that ran: with it, the summary says which demonstrations agree with the answer. */
  prompt?: PromptSequence;
}

/** Gates of a barely trained model can be tiny: keep them readable instead of rounding to 0. */
const gate = (x: number | undefined) => (x === undefined || x === 0 || Math.abs(x) >= 0.001 ? (x ?? 0).toFixed(3) : x.toExponential(2));

const tokenLabel = (t: TokenEvent) => (t.text === "" ? "∅" : t.text.replace(/ /g, "␣").replace(/\n/g, "⏎"));

/**
 * The generated tokens with what their trace says. Always shown (once traced): a summary in words —
 * where the tokens looked (the query, by Flamingo's masking), how far the images can steer the text
 * (the gates), and, given the prompt, which demonstrations show the answer. Hovering or focusing a
 * token previews its details; clicking it (or Enter) keeps them open until it is clicked again.
 */
export function TraceView({ tokens, images, traced, untraceable, prompt }: Props) {
  // Hover previews; a click pins; leaving with the mouse falls back to the pinned, then the focused token.
  const [hovered, setHovered] = useState<number | null>(null);
  const [focused, setFocused] = useState<number | null>(null);
  const [pinned, setPinned] = useState<number | null>(null);
  const active = hovered ?? pinned ?? focused;
  const shown = tokens.filter((t) => !t.stop || t.trace);
  const current = active === null ? undefined : shown.find((t) => t.index === active);
  const trace = current?.trace;
  const traces = useMemo(() => tokens.flatMap((t) => (t.trace ? [t.trace] : [])), [tokens]);
  const summary = useMemo(() => (traced && traces.length > 0 ? summarizeTrace(traces, images.length) : null), [traced, traces, images.length]);
  const answer = tokens
    .filter((t) => !t.stop)
    .map((t) => t.text)
    .join("")
    .trim();
  const demos = useMemo(() => (prompt ? demonstrationsOf(prompt).demos : null), [prompt]);

  return (
    <section className="flex flex-col gap-2" aria-label="Attention trace" data-testid="trace-view">
      {summary ? (
        <div className="flex flex-col gap-1.5 rounded-md border border-stone-200 bg-stone-50 px-3 py-2 text-xs text-stone-700" data-testid="trace-summary">
          <p className="font-medium text-stone-900">What the trace says</p>
          <p data-testid="trace-summary-looked">{summary.looked}</p>
          <p data-testid="trace-summary-gates">{summary.gates}</p>
          {demos && answer ? <DemonstrationAgreement demos={demos} answer={answer} /> : null}
        </div>
      ) : null}
      <ul className="flex flex-wrap gap-1" aria-label="Generated tokens">
        {shown.map((t) => (
          <li key={t.index}>
            <button
              type="button"
              disabled={!traced}
              aria-pressed={traced ? pinned === t.index : undefined}
              onClick={() => setPinned((p) => (p === t.index ? null : t.index))}
              onMouseEnter={() => setHovered(t.index)}
              onFocus={() => setFocused(t.index)}
              onMouseLeave={() => setHovered((a) => (a === t.index ? null : a))}
              onBlur={() => setFocused((a) => (a === t.index ? null : a))}
              className={`rounded border px-1.5 py-0.5 font-mono text-sm disabled:cursor-default ${
                pinned === t.index ? "border-brand-600 bg-brand-100" : active === t.index ? "border-brand-600 bg-brand-50" : "border-stone-200 bg-stone-50"
              } ${t.stop ? "text-stone-400" : "text-stone-900"}`}
              title={t.tokenId >= 0 ? `token ${t.index} · id ${t.tokenId}` : `token ${t.index}`}
              data-testid="trace-token"
            >
              {t.stop ? "<|endofchunk|>" : tokenLabel(t)}
            </button>
          </li>
        ))}
      </ul>
      {!traced ? <p className="text-xs text-stone-500">{untraceable ?? "Turn on “Attention trace” and run again to see where each token looked."}</p> : null}
      {traced && !trace ? <p className="text-xs text-stone-500">Click a token to see its details (hovering previews them).</p> : null}
      {trace && current ? (
        <div className="flex flex-col gap-2 rounded-md border border-stone-200 p-2" data-testid="trace-detail" data-pinned={pinned === current.index ? "true" : "false"}>
          <div className="flex items-center justify-between gap-2 text-xs">
            <p className="font-medium text-stone-800">
              Token “{current.stop ? "<|endofchunk|>" : tokenLabel(current)}”{pinned === current.index ? " · kept open" : ""}
            </p>
            {pinned !== null ? (
              <button type="button" className="rounded px-1.5 py-0.5 text-stone-500 hover:bg-stone-100 hover:text-stone-900" onClick={() => setPinned(null)} data-testid="trace-unpin">
                Close
              </button>
            ) : null}
          </div>
          <p className="text-xs text-stone-600">Its attention per image of the prompt (the outline is darker where it looked more):</p>
          <ul className="flex flex-wrap gap-2">
            {images.map((id, n) => {
              const mass = trace.attentionPerImage[n] ?? 0;
              return (
                <li key={`${n}-${id}`} className="flex flex-col items-center gap-0.5 text-[10px] tabular-nums text-stone-600" data-testid="trace-image" data-mass={mass.toFixed(4)}>
                  <span className="rounded-md p-0.5" style={{ outline: `3px solid rgba(219, 39, 119, ${Math.min(1, mass).toFixed(3)})` }}>
                    <AssetImage assetId={id} alt={`Image ${n + 1}`} className="size-12 rounded" />
                  </span>
                  <span>
                    #{n + 1}
                    {n === images.length - 1 ? " query" : ""} · {(mass * 100).toFixed(0)}%
                  </span>
                </li>
              );
            })}
          </ul>
          <div className="flex flex-col gap-1 text-xs" data-testid="trace-gates">
            <p className="text-stone-600">How open each layer&apos;s image gates are (the model&apos;s own, the same for every token):</p>
            <ul className="flex flex-col gap-1">
              {trace.gates.map(([xg = 0, dg = 0], l) => (
                <li key={l} className="grid grid-cols-[4.5rem_minmax(0,1fr)_minmax(0,1fr)] items-center gap-2">
                  <span className="text-stone-500">layer {l + 1}</span>
                  <GateBar label="cross-attention" value={xg} />
                  <GateBar label="dense" value={dg} />
                </li>
              ))}
            </ul>
            <details className="text-stone-500">
              <summary className="cursor-pointer">The numbers</summary>
              <table className="mt-1 w-auto text-xs">
                <caption className="text-left">tanh(α) per gated layer, and attention per image per layer</caption>
                <thead>
                  <tr>
                    <th className="pr-3 text-left font-normal">layer</th>
                    <th className="pr-3 text-right font-normal">x-attn</th>
                    <th className="pr-3 text-right font-normal">dense</th>
                    <th className="text-right font-normal">attention per image</th>
                  </tr>
                </thead>
                <tbody className="font-mono tabular-nums text-stone-700">
                  {trace.gates.map(([xg, dg], l) => (
                    <tr key={l}>
                      <td className="pr-3">{l + 1}</td>
                      <td className="pr-3 text-right">{gate(xg)}</td>
                      <td className="pr-3 text-right">{gate(dg)}</td>
                      <td className="text-right">{(trace.attentionPerLayer[l] ?? []).map((m) => m.toFixed(2)).join(" · ")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function GateBar({ label, value }: { label: string; value: number }) {
  const pct = Math.min(100, Math.abs(value) * 100);
  return (
    <span className="flex min-w-0 items-center gap-1.5" title={`${label} gate tanh(α) = ${gate(value)}: ${openness(value)}`}>
      <span className="h-2 w-16 shrink-0 rounded bg-stone-100" role="presentation">
        <span className="block h-2 rounded bg-brand-600" style={{ width: `${Math.max(2, pct).toFixed(1)}%` }} />
      </span>
      <span className="truncate text-stone-600">
        {label} {pct.toFixed(0)}%
      </span>
    </span>
  );
}

/**
 * Which demonstrations of the prompt show the chosen answer as their label (rank mode's chosen
 * candidate, or a generated answer): each demonstration's image(s) and label, those that agree
 * outlined. Exported for the rank view and the home page's first-run demo.
 */
export function DemonstrationAgreement({ demos, answer, imageAlt }: { demos: readonly PromptDemonstration[]; answer: string; imageAlt?: (assetId: string) => string }) {
  const { agree } = agreeing(demos, answer);
  const agreeing_ = new Set(agree.map((d) => d.n));
  return (
    <div className="flex flex-col gap-1" data-testid="trace-agreement" data-agree={agree.map((d) => d.n).join(",")}>
      <p>{describeAgreement(demos, answer)}</p>
      {demos.length > 0 ? (
        <ul className="flex flex-wrap gap-1.5" aria-label="Demonstrations and their labels">
          {demos.map((d) => {
            const yes = agreeing_.has(d.n);
            return (
              <li
                key={d.n}
                className={`flex items-center gap-1 rounded border px-1 py-0.5 ${yes ? "border-emerald-500 bg-emerald-50 text-emerald-900" : "border-stone-200 bg-white text-stone-600"}`}
                data-testid="trace-demo"
                data-agrees={yes ? "true" : "false"}
              >
                <span className="text-[10px] text-stone-500">#{d.n}</span>
                {d.images.map((id, i) => (
                  <AssetImage key={`${i}-${id}`} assetId={id} alt={imageAlt?.(id) ?? `Demonstration ${d.n}`} className="size-6 rounded" />
                ))}
                <span className="font-mono">{d.answer}</span>
                <span className="sr-only">{yes ? "(agrees with the answer)" : "(another label)"}</span>
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}
