"use client";

import { useState } from "react";
import { draftTimeLabel } from "./drafts";

/** "Restored unsaved changes from 14:05 — Discard": shown when a draft kept in this browser was put back. */
export function DraftNotice({ restoredAt, onDiscard, onDismiss }: { restoredAt: number | null; onDiscard(): void; onDismiss(): void }) {
  // The time is read once, when the notice first shows (the label does not tick).
  const [now] = useState(() => Date.now());
  if (restoredAt === null) return null;
  const at = new Date(restoredAt);
  return (
    <div role="status" className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900" data-testid="draft-restored">
      <span>
        Restored unsaved changes from{" "}
        <time dateTime={at.toISOString()} title={at.toLocaleString()}>
          {draftTimeLabel(restoredAt, now)}
        </time>{" "}
        (kept in this browser).
      </span>
      <span className="ml-auto flex gap-2">
        <button type="button" className="btn px-2 py-1 text-xs" onClick={onDiscard} data-testid="draft-discard">
          Discard
        </button>
        <button type="button" className="btn px-2 py-1 text-xs" onClick={onDismiss} aria-label="Keep the changes and close this notice" data-testid="draft-dismiss">
          Keep
        </button>
      </span>
    </div>
  );
}
