"use client";

import { useState } from "react";
import type { TemplateSummary } from "@/lib/store/types";
import { PlusIcon } from "@/components/composer/icons";
import { TemplateOptions } from "./TemplateOptions";

/** Add a cell: a library template (following its latest version), or a prompt of the notebook's own. */
export function AddCellBar({ templates, onTemplate, onInline }: { templates: TemplateSummary[]; onTemplate(t: TemplateSummary): void; onInline(): void }) {
  const [picked, setPicked] = useState("");
  const add = () => {
    const t = templates.find((x) => x.id === picked);
    if (t) onTemplate(t);
  };
  return (
    <div className="card flex flex-col gap-2 border-dashed p-3 sm:flex-row sm:items-end" data-testid="add-cell-bar">
      <label className="flex min-w-0 flex-1 flex-col text-xs">
        <span className="label">Add a cell from a library template</span>
        <select className="input" value={picked} onChange={(e) => setPicked(e.target.value)} data-testid="add-cell-template">
          <option value="">Choose a template…</option>
          <TemplateOptions templates={templates} />
        </select>
      </label>
      <div className="flex gap-2">
        <button type="button" className="btn" disabled={!picked} onClick={add} data-testid="add-cell">
          <PlusIcon /> Add cell
        </button>
        <button type="button" className="btn" onClick={onInline} data-testid="add-inline-cell">
          <PlusIcon /> Own prompt
        </button>
      </div>
    </div>
  );
}
