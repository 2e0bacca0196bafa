"use client";

import { splitPlaceholders } from "@/lib/prompt/variables";
import type { KeyboardEvent } from "react";

interface Props {
  value: string;
  onChange(value: string): void;
  label: string;
  placeholder?: string;
  tone?: "text" | "answer";
  testId?: string;
  onKeyDown?(e: KeyboardEvent<HTMLTextAreaElement>): void;
}

/**
 * A textarea whose `{{variables}}` are highlighted as you type: a backdrop
 * with the same text and metrics sits under a transparent textarea in one grid
 * cell, so the box also grows with its content.
 */
export function HighlightTextarea({ value, onChange, label, placeholder, tone = "text", testId, onKeyDown }: Props) {
  const box = "col-start-1 row-start-1 min-h-[2.25rem] whitespace-pre-wrap wrap-anywhere px-2.5 py-1.5 text-sm leading-5";
  const frame =
    tone === "answer"
      ? "border-emerald-200 bg-emerald-50 focus-within:border-emerald-500"
      : "border-stone-200 bg-white focus-within:border-brand-500";
  return (
    <div className={`grid w-full rounded-md border ${frame}`}>
      <div aria-hidden className={`${box} pointer-events-none border border-transparent text-stone-900`}>
        {splitPlaceholders(value).map((p, i) =>
          p.variable ? (
            <mark key={i} className="rounded-sm bg-amber-200/80 text-amber-950" data-testid="variable-highlight">
              {p.text}
            </mark>
          ) : (
            <span key={i}>{p.text}</span>
          ),
        )}
        {/* A trailing newline needs a character after it to take up a line. */}
        {"\u200b"}
      </div>
      <textarea
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        aria-label={label}
        placeholder={placeholder}
        rows={1}
        spellCheck={false}
        className={`${box} resize-none overflow-hidden border border-transparent bg-transparent text-transparent caret-stone-900 outline-none placeholder:text-stone-400 selection:bg-brand-200 selection:text-transparent`}
        data-testid={testId}
      />
    </div>
  );
}
