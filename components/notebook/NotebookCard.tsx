import Link from "next/link";
import { formatDate } from "@/components/ui/format";
import type { NotebookSummary } from "@/lib/store/types";

/** A notebook in a list: name, description, cells and saved runs, library and version. */
export function NotebookCard({ notebook }: { notebook: NotebookSummary }) {
  return (
    <li
      className="card group relative flex flex-col gap-2 p-3 transition-shadow focus-within:ring-2 focus-within:ring-brand-600 hover:shadow-md"
      data-testid="notebook-card"
      data-notebook-id={notebook.id}
    >
      <div className="flex items-center gap-2 text-xs text-stone-500">
        <span className="inline-flex size-6 items-center justify-center rounded bg-brand-50 font-mono text-[11px] text-brand-700" aria-hidden>
          [ ]
        </span>
        <span>
          {notebook.cellCount} {notebook.cellCount === 1 ? "cell" : "cells"} · {notebook.runCount} {notebook.runCount === 1 ? "run" : "runs"}
        </span>
      </div>
      <h2 className="font-semibold leading-snug text-stone-900">
        <Link href={`/notebooks/${encodeURIComponent(notebook.id)}`} className="after:absolute after:inset-0 focus-visible:outline-none" data-testid="notebook-card-link">
          {notebook.name}
        </Link>
      </h2>
      {notebook.description ? <p className="line-clamp-2 text-sm text-stone-600">{notebook.description}</p> : null}
      <p className="mt-auto flex flex-wrap items-center gap-x-2 pt-1 text-xs text-stone-500">
        <span>{notebook.libraryName}</span>
        <span aria-hidden>·</span>
        <span>v{notebook.latestVersion}</span>
        <span aria-hidden>·</span>
        <span>updated {formatDate(notebook.updatedAt)}</span>
      </p>
    </li>
  );
}

export function NotebookGrid({ notebooks }: { notebooks: NotebookSummary[] }) {
  return (
    <ul className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-3" data-testid="notebook-list">
      {notebooks.map((n) => (
        <NotebookCard key={n.id} notebook={n} />
      ))}
    </ul>
  );
}
