"use client";

import { useId } from "react";
import { setDetails, type Doc } from "./document-ops";
import type { Edit } from "./ChunkCard";

/** The template's name, description and tags. */
export function DetailsPanel({ doc, edit }: { doc: Doc; edit: Edit }) {
  const id = useId();
  const tags = (doc.tags ?? []).join(", ");
  return (
    <section className="card grid grid-cols-1 gap-2 p-3 sm:grid-cols-2" aria-label="Template details" data-testid="details-panel">
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
    </section>
  );
}
