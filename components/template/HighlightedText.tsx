import { splitPlaceholders } from "@/lib/prompt/variables";

/** Text with `{{variables}}` picked out; keeps whitespace and newlines. */
export function HighlightedText({ text, className = "" }: { text: string; className?: string }) {
  return (
    <span className={`whitespace-pre-wrap break-words ${className}`}>
      {splitPlaceholders(text).map((piece, i) =>
        piece.variable ? (
          <mark
            key={i}
            className="rounded bg-amber-100 px-0.5 font-mono text-[0.92em] text-amber-900"
            title={`variable: ${piece.variable}`}
            data-testid="variable-highlight"
          >
            {piece.text}
          </mark>
        ) : (
          <span key={i}>{piece.text}</span>
        ),
      )}
    </span>
  );
}
