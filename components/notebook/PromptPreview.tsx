import { AssetImage } from "@/components/ui/AssetImage";
import { render, type Bindings } from "@/lib/prompt/render";
import type { Template } from "@/lib/prompt/schema";
import { serializePrompt, type PromptSequence } from "@/lib/prompt/sequence";
import { HighlightedText } from "@/components/template/HighlightedText";

/** The prompt with what is bound filled in, and `{{name}}` (or an empty image slot) for the rest. */
export function previewSequence(t: Template, bindings: Bindings): PromptSequence | null {
  const filled: Bindings = {};
  for (const v of t.variables) filled[v.name] = bindings[v.name] ?? (v.kind === "image" ? { assetId: "" } : v.default ?? `{{${v.name}}}`);
  try {
    return render(t, filled);
  } catch {
    return null;
  }
}

/** One compact line of the interleaved prompt: thumbnails where the images go, text, and chunk ends. */
export function PromptPreview({ template, bindings }: { template: Template; bindings: Bindings }) {
  const seq = previewSequence(template, bindings);
  if (!seq) return <p className="text-xs text-stone-500">This prompt cannot be previewed.</p>;
  return (
    <p className="flex flex-wrap items-center gap-x-1 gap-y-1.5 text-xs leading-6 text-stone-700" data-testid="cell-prompt-preview" data-prompt={serializePrompt(seq)}>
      {seq.parts.map((p, i) =>
        p.type === "text" ? (
          <HighlightedText key={i} text={p.text.replace(/\n/g, " ⏎ ")} className="font-mono" />
        ) : p.type === "image" ? (
          p.assetId ? (
            <AssetImage key={i} assetId={p.assetId} alt={`Prompt image ${i + 1}`} className="size-8 rounded ring-1 ring-stone-200" />
          ) : (
            <span key={i} className="inline-flex size-8 items-center justify-center rounded border-2 border-dashed border-amber-300 text-stone-400" title="image variable not bound">
              ?
            </span>
          )
        ) : (
          <span key={i} className="rounded bg-stone-800 px-1 font-mono text-[10px] leading-4 text-stone-100">
            {"<|endofchunk|>"}
          </span>
        ),
      )}
    </p>
  );
}
