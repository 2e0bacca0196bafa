"use client";

import { useMemo, useState } from "react";
import { CopyButton } from "@/components/ui/CopyButton";
import { HighlightedText } from "@/components/template/HighlightedText";
import { DEFAULT_MODEL_ID } from "@/lib/models/defaults";
import { countImages, type Doc } from "./document-ops";
import { approximateTokens, previewOf } from "./preview";
import { useTokenizer } from "./useTokenCounter";
import { UndoIcon } from "./icons";

/** Live counts (shots, images, tokens) and, on demand, the exact serialised prompt. */
export function PromptStats({ doc, onUndo, onRedo }: { doc: Doc; onUndo?(): void; onRedo?(): void }) {
  const [open, setOpen] = useState(false);
  const tokenizer = useTokenizer();
  const preview = useMemo(() => previewOf(doc), [doc]);
  const tokens = useMemo(() => {
    if (!preview.ok) return null;
    if (tokenizer) {
      try {
        return { n: tokenizer.encodePrompt(preview.sequence).inputIds.length, exact: true };
      } catch {
        // fall through to the estimate
      }
    }
    return { n: approximateTokens(preview.sequence), exact: false };
  }, [preview, tokenizer]);
  const shots = doc.shots?.length ?? 0;
  const images = countImages(doc);

  return (
    <div className="card" data-testid="prompt-stats">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1 px-3 py-2 text-sm">
        <span data-testid="stat-shots">
          <strong className="font-semibold tabular-nums">{shots}</strong> {shots === 1 ? "shot" : "shots"}
        </span>
        <span data-testid="stat-images">
          <strong className="font-semibold tabular-nums">{images}</strong> {images === 1 ? "image" : "images"}
        </span>
        <span data-testid="stat-tokens" data-exact={tokens?.exact ? "true" : "false"} title={tokens?.exact ? `Counted with the ${DEFAULT_MODEL_ID} tokenizer (variables as written)` : "An estimate until the tokenizer has loaded"}>
          {tokens ? (
            <>
              <strong className="font-semibold tabular-nums">
                {tokens.exact ? "" : "≈ "}
                {tokens.n}
              </strong>{" "}
              {tokens.exact ? "tokens" : "tokens (estimate)"}
            </>
          ) : (
            "— tokens"
          )}
        </span>
        <span className="ml-auto flex gap-1">
          {onUndo ? (
            <button type="button" className="btn px-2 py-1 text-xs" onClick={onUndo} title="Undo (Ctrl/⌘+Z)" data-testid="composer-undo">
              <UndoIcon /> Undo
            </button>
          ) : null}
          {onRedo ? (
            <button type="button" className="btn px-2 py-1 text-xs" onClick={onRedo} title="Redo (Ctrl/⌘+Shift+Z)" aria-label="Redo" data-testid="composer-redo">
              <UndoIcon className="size-3.5 -scale-x-100" />
            </button>
          ) : null}
        </span>
        <button type="button" className="btn px-2 py-1 text-xs" aria-expanded={open} aria-controls="composer-prompt" onClick={() => setOpen((o) => !o)} data-testid="toggle-prompt">
          {open ? "Hide prompt" : "Show prompt"}
        </button>
      </div>
      {open ? (
        <div id="composer-prompt" className="relative border-t border-stone-200">
          {preview.ok ? (
            <>
              <div className="absolute right-2 top-2">
                <CopyButton text={preview.text} label="Copy" testId="copy-composer-prompt" />
              </div>
              <pre className="max-h-72 overflow-auto bg-stone-50 px-3 py-2 pr-20 font-mono text-xs leading-relaxed text-stone-800" data-testid="composer-prompt" data-prompt={preview.text}>
                {preview.sequence.parts.map((part, i) =>
                  part.type === "text" ? (
                    <HighlightedText key={i} text={part.text} />
                  ) : (
                    <span key={i} className={part.type === "image" ? "font-semibold text-sky-700" : "font-semibold text-brand-700"}>
                      {part.type === "image" ? "<image>" : "<|endofchunk|>"}
                    </span>
                  ),
                )}
              </pre>
            </>
          ) : (
            <p className="px-3 py-2 text-sm text-stone-600">Cannot render yet: {preview.message}</p>
          )}
        </div>
      ) : null}
    </div>
  );
}
