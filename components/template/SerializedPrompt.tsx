import { render, type Bindings } from "@/lib/prompt/render";
import type { Template } from "@/lib/prompt/schema";
import { serializePrompt, type PromptSequence } from "@/lib/prompt/sequence";
import { CopyButton } from "@/components/ui/CopyButton";
import { HighlightedText } from "./HighlightedText";

/** Render with every variable left as its `{{name}}` placeholder, so the preview needs no bindings. */
function previewSequence(t: Template): PromptSequence | null {
  const bindings: Bindings = {};
  for (const v of t.variables) bindings[v.name] = v.kind === "image" ? { assetId: v.name } : `{{${v.name}}}`;
  try {
    return render(t, bindings);
  } catch {
    return null;
  }
}

/** The exact string the tokenizer sees, in a collapsible <pre>; special tokens picked out. */
export function SerializedPrompt({ template }: { template: Template }) {
  const seq = previewSequence(template);
  return (
    <details className="card group" data-testid="serialized-prompt">
      <summary className="flex cursor-pointer list-none items-center justify-between gap-2 rounded-lg px-4 py-3 text-sm font-medium hover:bg-stone-50">
        <span>Serialized prompt</span>
        <span className="text-xs font-normal text-stone-500 group-open:hidden">show</span>
        <span className="hidden text-xs font-normal text-stone-500 group-open:inline">hide</span>
      </summary>
      {seq ? (
        <div className="relative border-t border-stone-200">
          <div className="absolute right-2 top-2">
            <CopyButton text={serializePrompt(seq)} label="Copy prompt" testId="copy-prompt" />
          </div>
        <pre className="max-h-96 overflow-auto bg-stone-50 px-4 py-3 pr-28 font-mono text-xs leading-relaxed text-stone-800" data-testid="serialized-prompt-text" data-prompt={serializePrompt(seq)}>
          {seq.parts.map((p, i) =>
            p.type === "text" ? (
              <HighlightedText key={i} text={p.text} />
            ) : (
              <span key={i} className={p.type === "image" ? "text-sky-700" : "text-brand-700"}>
                {p.type === "image" ? "<image>" : "<|endofchunk|>"}
              </span>
            ),
          )}
        </pre>
        </div>
      ) : (
        <p className="border-t border-stone-200 px-4 py-3 text-sm text-stone-600">This version cannot be rendered.</p>
      )}
    </details>
  );
}
