"use client";

import Link from "next/link";
import { useEffect, useId, useState, type FormEvent } from "react";
import { apiFetch } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { preferredLibrary } from "@/components/ui/libraries";
import type { RunSnapshot } from "@/components/run/RunPanel";
import { addCell, emptyNotebook, makeCell } from "@/lib/notebook/ops";
import type { LibrarySummary, NotebookSummary } from "@/lib/store/types";
import { createNotebookApi, getNotebookApi, listNotebooksApi, saveNotebookApi, saveRunApi } from "./api";
import { fromSettings, runRecord } from "./run-params";

const NEW = "__new__";

/**
 * After a run in the editor: keep the prompt as it ran (an inline cell with its bindings and
 * parameters) and the run itself, in a new or an existing notebook.
 */
export function SaveToNotebook({ run }: { run: RunSnapshot }) {
  const id = useId();
  const [notebooks, setNotebooks] = useState<NotebookSummary[] | null>(null);
  const [libraries, setLibraries] = useState<LibrarySummary[]>([]);
  const [target, setTarget] = useState(NEW);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Which run was saved: a newer run offers saving again.
  const [saved, setSaved] = useState<{ id: string; name: string; cell: number; run: RunSnapshot["state"] } | null>(null);

  useEffect(() => {
    let live = true;
    Promise.all([listNotebooksApi(), apiFetch<{ libraries: LibrarySummary[] }>("/api/libraries")])
      .then(([nbs, libs]) => {
        if (!live) return;
        setNotebooks(nbs);
        setLibraries(libs.libraries.filter((l) => l.kind === "user"));
      })
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, []);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const title = String(form.get("title") ?? "").trim().slice(0, 200);
    setBusy(true);
    setError(null);
    try {
      const params = fromSettings(run.settings, { backend: run.backend, ...(run.engine ? { engine: run.engine } : {}) }, run.state.kind, run.candidates);
      const prompt = { kind: "inline" as const, template: run.template, bindings: run.bindings };
      let nb;
      if (target === NEW) {
        const doc = emptyNotebook(String(form.get("name") ?? "").trim());
        const cell = makeCell(prompt, [], params, title);
        nb = await createNotebookApi(String(form.get("library") ?? ""), addCell(doc, cell), `First cell: ${run.template.name}`);
      } else {
        const current = await getNotebookApi(target);
        const cell = makeCell(prompt, current.document.cells.map((c) => c.id), params, title);
        nb = await saveNotebookApi(target, addCell(current.document, cell), current.latestVersion, `Added a cell: ${title || run.template.name}`);
      }
      const cell = nb.document.cells[nb.document.cells.length - 1]!;
      const record = runRecord({ cellId: cell.id, version: nb.latestVersion, params, prompt: run.prompt, state: run.state });
      if (record) await saveRunApi(nb.id, record);
      setSaved({ id: nb.id, name: nb.name, cell: nb.document.cells.length, run: run.state });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (saved && saved.run === run.state) {
    return (
      <p className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900" role="status" data-testid="saved-to-notebook">
        Saved as cell {saved.cell} of{" "}
        <Link href={`/notebooks/${encodeURIComponent(saved.id)}`} className="font-medium underline" data-testid="saved-to-notebook-link">
          {saved.name}
        </Link>
        , with this run.{" "}
        <button type="button" className="underline" onClick={() => setSaved(null)}>
          Save again
        </button>
      </p>
    );
  }

  const defaultLibrary = preferredLibrary(libraries)?.id ?? "";
  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-2 border-t border-stone-200 pt-3" aria-label="Save to a notebook" data-testid="save-to-notebook-form">
      <p className="text-xs font-semibold uppercase tracking-wide text-stone-500">Keep this run</p>
      <div className="grid grid-cols-1 gap-2 sm:grid-cols-2">
        <label className="flex flex-col text-xs">
          <span className="label">Notebook</span>
          <select className="input" value={target} onChange={(e) => setTarget(e.target.value)} disabled={!notebooks} data-testid="save-to-notebook-target">
            <option value={NEW}>New notebook…</option>
            {(notebooks ?? []).map((n) => (
              <option key={n.id} value={n.id}>
                {n.name} ({n.libraryName})
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col text-xs">
          <span className="label">Cell title</span>
          <input name="title" className="input" defaultValue={run.template.name} maxLength={200} data-testid="save-to-notebook-title" />
        </label>
        {target === NEW ? (
          <>
            <label className="flex flex-col text-xs" htmlFor={`${id}-name`}>
              <span className="label">New notebook&apos;s name</span>
              <input id={`${id}-name`} name="name" className="input" required maxLength={120} defaultValue={`${run.template.name} notebook`} data-testid="save-to-notebook-name" />
            </label>
            <label className="flex flex-col text-xs">
              <span className="label">In library</span>
              <select name="library" className="input" key={defaultLibrary} defaultValue={defaultLibrary} required data-testid="save-to-notebook-library">
                {libraries.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
      </div>
      <ErrorNotice error={error} title="The notebook was not saved" />
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy || !notebooks} data-testid="save-to-notebook">
          {busy ? "Saving…" : "Save as a notebook cell"}
        </button>
      </div>
    </form>
  );
}
