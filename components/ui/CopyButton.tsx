"use client";

import { useState } from "react";

/** Copy text to the clipboard, saying so for a moment. */
export function CopyButton({ text, label = "Copy", className = "btn px-2 py-1 text-xs", testId }: { text: string; label?: string; className?: string; testId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
    window.setTimeout(() => setState("idle"), 1500);
  }
  return (
    <button type="button" className={className} onClick={copy} data-testid={testId} aria-live="polite">
      {state === "copied" ? "Copied" : state === "failed" ? "Copy blocked" : label}
    </button>
  );
}
