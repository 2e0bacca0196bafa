"use client";

import { useState } from "react";
import { AssetImage } from "@/components/ui/AssetImage";
import type { TokenEvent } from "@/lib/runtime/engine";

interface Props {
  tokens: TokenEvent[];
  /** The prompt's images in order (one per `<image>`). */
  images: string[];
  /** Whether the run asked for the trace. */
  traced: boolean;
  /** Why this run could have no trace at all (a remote engine), said instead of "turn it on". */
  untraceable?: string;
}

/** Gates of a barely trained model can be tiny: keep them readable instead of rounding to 0. */
const gate = (x: number | undefined) => (x === undefined || x === 0 || Math.abs(x) >= 0.001 ? (x ?? 0).toFixed(3) : x.toExponential(2));

const tokenLabel = (t: TokenEvent) => (t.text === "" ? "∅" : t.text.replace(/ /g, "␣").replace(/\n/g, "⏎"));

/**
 * The generated tokens; hovering or focusing one shows how much of its cross-attention went to
 * each image card of the prompt (averaged over the gated layers) and the gate values.
 */
export function TraceView({ tokens, images, traced, untraceable }: Props) {
  // Hover wins over focus; leaving with the mouse falls back to the focused token.
  const [hovered, setHovered] = useState<number | null>(null);
  const [focused, setFocused] = useState<number | null>(null);
  const active = hovered ?? focused;
  const shown = tokens.filter((t) => !t.stop || t.trace);
  const current = active === null ? undefined : shown.find((t) => t.index === active);
  const trace = current?.trace;
  return (
    <section className="flex flex-col gap-2" aria-label="Attention trace" data-testid="trace-view">
      <div className="flex flex-wrap gap-1" role="list" aria-label="Generated tokens">
        {shown.map((t) => (
          <span
            key={t.index}
            role="listitem"
            tabIndex={traced ? 0 : -1}
            onMouseEnter={() => setHovered(t.index)}
            onFocus={() => setFocused(t.index)}
            onMouseLeave={() => setHovered((a) => (a === t.index ? null : a))}
            onBlur={() => setFocused((a) => (a === t.index ? null : a))}
            className={`cursor-default rounded border px-1.5 py-0.5 font-mono text-sm ${active === t.index ? "border-brand-600 bg-brand-50" : "border-stone-200 bg-stone-50"} ${t.stop ? "text-stone-400" : ""}`}
            title={t.tokenId >= 0 ? `token ${t.index} · id ${t.tokenId}` : `token ${t.index}`}
            data-testid="trace-token"
          >
            {t.stop ? "<|endofchunk|>" : tokenLabel(t)}
          </span>
        ))}
      </div>
      {!traced ? <p className="text-xs text-stone-500">{untraceable ?? "Turn on “Attention trace” and run again to see where each token looked."}</p> : null}
      {traced && !trace ? <p className="text-xs text-stone-500">Hover or focus a token to see how strongly it attended to each image.</p> : null}
      {trace ? (
        <div className="flex flex-col gap-2" data-testid="trace-detail">
          <ul className="flex flex-wrap gap-2">
            {images.map((id, n) => {
              const mass = trace.attentionPerImage[n] ?? 0;
              return (
                <li key={`${n}-${id}`} className="flex flex-col items-center gap-0.5 text-[10px] tabular-nums text-stone-600" data-testid="trace-image" data-mass={mass.toFixed(4)}>
                  <span className="rounded-md p-0.5" style={{ outline: `3px solid rgba(219, 39, 119, ${Math.min(1, mass).toFixed(3)})` }}>
                    <AssetImage assetId={id} alt={`Image ${n + 1}`} className="size-12 rounded" />
                  </span>
                  <span>
                    #{n + 1} · {(mass * 100).toFixed(1)}%
                  </span>
                </li>
              );
            })}
          </ul>
          <table className="w-auto self-start text-xs" data-testid="trace-gates">
            <caption className="text-left text-stone-500">Gates tanh(α) per gated cross-attention layer</caption>
            <thead>
              <tr className="text-stone-500">
                <th className="pr-3 text-left font-normal">layer</th>
                <th className="pr-3 text-right font-normal">x-attn</th>
                <th className="pr-3 text-right font-normal">dense</th>
                <th className="text-right font-normal">attention per image</th>
              </tr>
            </thead>
            <tbody className="font-mono tabular-nums">
              {trace.gates.map(([xg, dg], l) => (
                <tr key={l}>
                  <td className="pr-3">{l}</td>
                  <td className="pr-3 text-right">{gate(xg)}</td>
                  <td className="pr-3 text-right">{gate(dg)}</td>
                  <td className="text-right">{(trace.attentionPerLayer[l] ?? []).map((m) => m.toFixed(2)).join(" · ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="text-xs text-stone-500">Flamingo&apos;s text cross-attends only to the image just before it; earlier images reach it through self-attention.</p>
        </div>
      ) : null}
    </section>
  );
}
