"use client";

import { useId } from "react";
import { setDetails, type Doc } from "./document-ops";
import type { Edit } from "./ChunkCard";

/** The template's name, description and tags. */
export function DetailsPanel({ doc, edit, defaultOpen = false }: { doc: Doc; edit: Edit; defaultOpen?: boolean }) {
  const id = useId();
  const tags = (doc.tags ?? []).join(", ");
  return (
    <details className="card group" open={defaultOpen} data-testid="details-panel">
      <summary className="flex cursor-pointer list-none items-center gap-2 rounded-lg px-3 py-2 hover:bg-stone-50">
        <span className="text-xs font-semibold uppercase tracking-wide text-stone-500">Details</span>
        <span className="min-w-0 truncate text-sm font-medium text-stone-800">{doc.name || "(no name)"}</span>
        {(doc.tags ?? []).length > 0 ? <span className="hidden truncate text-xs text-stone-500 sm:inline">· {(doc.tags ?? []).join(", ")}</span> : null}
        <span aria-hidden className="ml-auto text-xs text-stone-400 group-open:rotate-180">▾</span>
      </summary>
      <div className="grid grid-cols-1 gap-2 border-t border-stone-100 p-3 sm:grid-cols-2">
      <div>
        <label htmlFor={`${id}-name`} className="label">
          Name
        </label>
        <input id={`${id}-name`} value={doc.name} onChange={(e) => edit((d) => setDetails(d, { name: e.target.value }))} maxLength={120} className="input" data-testid="composer-name" />
      </div>
      <div>
        <label htmlFor={`${id}-tags`} className="label">
          Tags <span className="font-normal text-stone-400">(comma-separated)</span>
        </label>
        <input
          // Remount when the tags change elsewhere (the source); typing commits on blur or Enter.
          key={tags}
          id={`${id}-tags`}
          defaultValue={tags}
          onBlur={(e) => edit((d) => setDetails(d, { tags: e.target.value.split(",") }))}
          onKeyDown={(e) => {
            if (e.key === "Enter") e.currentTarget.blur();
          }}
          className="input"
          data-testid="composer-tags"
        />
      </div>
      <div className="sm:col-span-2">
        <label htmlFor={`${id}-desc`} className="label">
          Description
        </label>
        <textarea
          id={`${id}-desc`}
          value={doc.description ?? ""}
          onChange={(e) => edit((d) => setDetails(d, { description: e.target.value }))}
          rows={2}
          maxLength={2000}
          className="input field-sizing-content min-h-14 resize-y"
        />
      </div>
      </div>
    </details>
  );
}
