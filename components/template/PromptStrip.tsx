import type { ReactNode } from "react";
import type { Block, Template } from "@/lib/prompt/schema";
import { BlockView } from "./BlockView";
import { HighlightedText } from "./HighlightedText";

function Token({ children }: { children: ReactNode }) {
  return (
    <span className="self-center rounded bg-stone-800 px-1.5 py-0.5 font-mono text-[11px] text-stone-100" data-testid="token-chip">
      {children}
    </span>
  );
}

function Chunk({ label, tone, blocks, children, testId, share }: { label: string; tone: "shot" | "query" | "preamble"; blocks: Block[]; children?: ReactNode; testId: string; share?: string }) {
  const toneCls =
    tone === "query" ? "border-brand-200 bg-brand-50/60" : tone === "preamble" ? "border-stone-200 bg-stone-100/60" : "border-stone-200 bg-stone-50";
  return (
    <li className={`rounded-lg border p-3 ${toneCls}`} data-testid={testId}>
      <p className="mb-2 text-xs font-semibold uppercase tracking-wide text-stone-500">{label}</p>
      <div className="flex flex-wrap items-start gap-2">
        {blocks.map((b, i) => (
          <BlockView key={b.id ?? i} block={b} share={share} />
        ))}
        {children}
      </div>
    </li>
  );
}

/** The template as the model reads it: preamble, shots (image(s) + answer), then the query. `share`: a share link's token (shared pages). */
export function PromptStrip({ template, share }: { template: Template; share?: string }) {
  return (
    <ol className="flex flex-col gap-3" aria-label="Prompt blocks" data-testid="prompt-strip">
      {template.preamble.length > 0 ? <Chunk label="Preamble" tone="preamble" blocks={template.preamble} testId="preamble" share={share} /> : null}
      {template.shots.map((shot, i) => (
        <Chunk key={shot.id ?? i} label={`Shot ${i + 1}`} tone="shot" blocks={shot.blocks} testId="shot" share={share}>
          <div className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-950" data-testid="shot-answer">
            <span className="mb-0.5 block text-[10px] font-semibold uppercase tracking-wide text-emerald-700">answer</span>
            <HighlightedText text={shot.answer} />
          </div>
          <Token>{"<|endofchunk|>"}</Token>
        </Chunk>
      ))}
      <Chunk label={template.shots.length === 0 ? "Query (zero-shot)" : "Query"} tone="query" blocks={template.query.blocks} testId="query" share={share}>
        <span className="self-center text-xs italic text-brand-700">the model continues here…</span>
      </Chunk>
    </ol>
  );
}
