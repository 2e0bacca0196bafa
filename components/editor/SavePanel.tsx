"use client";

import Link from "next/link";
import { useId } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { SourceEditorTarget } from "./target";

interface Props {
  target: SourceEditorTarget;
  libraryId: string;
  onLibraryChange(id: string): void;
  message: string;
  onMessageChange(message: string): void;
  onSave(): void;
  canSave: boolean;
  saving: boolean;
  error: unknown;
  /** The save lost a race with another save (409). */
  conflict: boolean;
  cancelHref: string;
  hint: string;
}

/** Target library (new templates), version message, save / cancel, and what went wrong. */
export function SavePanel(p: Props) {
  const id = useId();
  const { target } = p;
  return (
    <form
      className="card flex flex-col gap-3 p-4"
      onSubmit={(e) => {
        e.preventDefault();
        p.onSave();
      }}
      aria-label="Save"
    >
      {target.mode === "create" ? (
        <div>
          <label htmlFor={`${id}-lib`} className="label">
            Library
          </label>
          <select id={`${id}-lib`} value={p.libraryId} onChange={(e) => p.onLibraryChange(e.target.value)} className="input" data-testid="editor-library">
            {target.libraries.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <div>
        <label htmlFor={`${id}-msg`} className="label">
          Version message (optional)
        </label>
        <input
          id={`${id}-msg`}
          value={p.message}
          onChange={(e) => p.onMessageChange(e.target.value)}
          maxLength={500}
          placeholder={target.mode === "create" ? "First version" : "What changed?"}
          className="input"
          data-testid="version-message"
        />
      </div>
      <ErrorNotice error={p.error} title="Not saved" />
      {p.conflict && target.mode === "edit" ? (
        <a href={`/templates/${encodeURIComponent(target.templateId)}`} target="_blank" rel="noreferrer" className="text-sm text-brand-700 underline" data-testid="conflict-latest-link">
          Open the latest version in a new tab
        </a>
      ) : null}
      <div className="flex gap-2">
        <button type="submit" className="btn btn-primary flex-1" disabled={!p.canSave} data-testid="save-template">
          {p.saving ? "Saving…" : target.mode === "create" ? "Create template" : `Save as v${target.baseVersion + 1}`}
        </button>
        <Link href={p.cancelHref} className="btn">
          Cancel
        </Link>
      </div>
      <p className="text-xs text-stone-500">{p.hint}</p>
    </form>
  );
}
