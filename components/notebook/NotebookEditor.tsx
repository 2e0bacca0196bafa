"use client";

import { DndContext, closestCenter, type DragEndEvent } from "@dnd-kit/core";
import { SortableContext, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useId, useRef, useState } from "react";
import { announcements, screenReaderInstructions, useSortSensors } from "@/components/composer/dnd";
import { ApiError } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { DraftNotice } from "@/components/ui/DraftNotice";
import { useDraft } from "@/components/ui/useDraft";
import { useLeaveWarning } from "@/components/ui/useLeaveWarning";
import { DEFAULT_BACKEND, defaultRunMode } from "@/components/run/options";
import { addCell, duplicateCell, makeCell, moveCell, removeCell, updateCell } from "@/lib/notebook/ops";
import { parseNotebook } from "@/lib/notebook/parse";
import type { Cell, Notebook } from "@/lib/notebook/schema";
import type { CellRunDetail, NotebookDetail, TemplateSummary } from "@/lib/store/types";
import { STARTER_TEMPLATE } from "@/components/editor/starter";
import { TemplateSchema } from "@/lib/prompt/schema";
import { restoreNotebookApi, saveNotebookApi, saveRunApi } from "./api";
import { AddCellBar } from "./AddCellBar";
import { CellCard, cellLabel } from "./CellCard";
import type { CellRunnerHandle, FinishedCellRun } from "./CellRunner";
import { NotebookHeader } from "./NotebookHeader";
import { runRecord } from "./run-params";
import { refKey, useTemplateDocs, type TemplateDocs } from "./useTemplateDocs";

interface Props {
  notebook: NotebookDetail;
  runs: CellRunDetail[];
  templates: TemplateSummary[];
  templateDocs: TemplateDocs;
}

interface Saved {
  version: number;
  document: Notebook;
  json: string;
  versions: NotebookDetail["versions"];
}

const savedOf = (nb: NotebookDetail): Saved => ({ version: nb.latestVersion, document: nb.document, json: JSON.stringify(nb.document), versions: nb.versions });

/**
 * The notebook: its cells (sortable, each run on its own or all in order), saved as immutable
 * versions; every finished run is saved with the version it ran from.
 */
export function NotebookEditor({ notebook, runs: initialRuns, templates, templateDocs }: Props) {
  const router = useRouter();
  const dndId = useId();
  const sensors = useSortSensors();
  const [doc, setDoc] = useState<Notebook>(notebook.document);
  const [saved, setSaved] = useState<Saved>(() => savedOf(notebook));
  const [runs, setRuns] = useState(initialRuns);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [runAll, setRunAll] = useState<{ index: number; total: number } | null>(null);
  // The last removed cell, for Undo; and a new cell whose title takes the focus once it is on the page.
  const [removed, setRemoved] = useState<{ cell: Cell; index: number } | null>(null);
  const focusNext = useRef<string | null>(null);
  const setFocusId = (id: string) => {
    focusNext.current = id;
  };
  const docs = useTemplateDocs(doc, templateDocs);
  const handles = useRef(new Map<string, CellRunnerHandle>());
  const stop = useRef(false);
  // Saves and run records go one at a time, each seeing the version the previous one made.
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const current = useRef({ doc, saved });
  useEffect(() => {
    current.current = { doc, saved };
  });
  const dirty = JSON.stringify(doc) !== saved.json;

  useLeaveWarning(dirty);
  // Unsaved cells are kept in this browser (per notebook and the version they start from) and offered back.
  const draft = useDraft<Notebook>({
    doc: { kind: "notebook", id: notebook.id, version: saved.version },
    value: doc,
    dirty,
    accept: (v) => {
      const r = parseNotebook(v);
      return r.ok && JSON.stringify(r.notebook) !== current.current.saved.json ? r.notebook : null;
    },
    restore: setDoc,
    outdated: () => router.refresh(),
  });

  const enqueue = useCallback(<T,>(job: () => Promise<T>): Promise<T> => {
    const next = queue.current.then(job, job);
    queue.current = next.catch(() => undefined);
    return next;
  }, []);

  /** Saves the document as it is now (a new version), unless nothing changed. */
  const saveNow = useCallback(
    (message?: string) =>
      enqueue(async () => {
        const { doc: d, saved: s } = current.current;
        if (JSON.stringify(d) === s.json) return s.version;
        setSaving(true);
        setError(null);
        try {
          const nb = await saveNotebookApi(notebook.id, d, s.version, message);
          const next = savedOf(nb);
          current.current = { ...current.current, saved: next };
          setSaved(next);
          return nb.latestVersion;
        } catch (e) {
          setError(
            e instanceof ApiError && e.status === 409
              ? new ApiError(409, e.code, `Someone else saved this notebook since you opened v${s.version}. Your cells are still here: reload the page to see theirs, then redo your changes.`)
              : e,
          );
          throw e;
        } finally {
          setSaving(false);
        }
      }),
    [enqueue, notebook.id],
  );

  const onFinished = useCallback(
    (cell: Cell, index: number) =>
      async (run: FinishedCellRun): Promise<CellRunDetail> => {
        // The run is kept with the version it ran from: unsaved edits are saved first.
        const version = await saveNow(`Ran ${cellLabel(cell, index)}`);
        return enqueue(async () => {
          const record = runRecord({ cellId: cell.id, version, params: run.params, prompt: run.prompt, state: run.state });
          if (!record) throw new Error("The run has no output to save.");
          const savedRun = await saveRunApi(notebook.id, record);
          setRuns((r) => [savedRun, ...r]);
          return savedRun;
        });
      },
    [enqueue, notebook.id, saveNow],
  );

  useEffect(() => {
    const id = focusNext.current;
    if (!id) return;
    focusNext.current = null;
    const el = document.querySelector<HTMLElement>(`[data-cell-id="${id}"] [data-testid="cell-title"]`);
    el?.scrollIntoView({ block: "center", behavior: "smooth" });
    el?.focus({ preventScroll: true });
  }, [doc]);

  const edit = (op: (nb: Notebook) => Notebook) => setDoc((d) => op(d));
  const patchCell = (id: string, patch: (c: Cell) => Cell) => edit((d) => updateCell(d, id, patch));

  const runAllCells = async () => {
    stop.current = false;
    const ids = current.current.doc.cells.map((c) => c.id);
    for (const [i, id] of ids.entries()) {
      if (stop.current) break;
      setRunAll({ index: i, total: ids.length });
      document.querySelector(`[data-cell-id="${id}"]`)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
      await handles.current.get(id)?.run();
    }
    setRunAll(null);
  };
  const stopAll = () => {
    stop.current = true;
    for (const h of handles.current.values()) h.cancel();
  };

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const to = doc.cells.findIndex((c) => c.id === over.id);
    edit((d) => moveCell(d, String(active.id), to));
  };

  const restore = async (version: number) => {
    setError(null);
    try {
      const nb = await enqueue(() => restoreNotebookApi(notebook.id, version));
      const next = savedOf(nb);
      current.current = { doc: nb.document, saved: next };
      setSaved(next);
      setDoc(nb.document);
    } catch (e) {
      setError(e);
    }
  };

  const addFromTemplate = (t: TemplateSummary) => {
    // It opens on what the template is for (Rank for a closed-ended one), on the default backend.
    const cell = makeCell({ kind: "template", templateId: t.id, version: "latest", bindings: {} }, doc.cells.map((c) => c.id), { backend: DEFAULT_BACKEND, mode: defaultRunMode({ tags: t.tags }) });
    edit((d) => addCell(d, cell));
    setFocusId(cell.id);
  };
  const remove = (cell: Cell, index: number) => {
    edit((d) => removeCell(d, cell.id));
    setRemoved({ cell, index });
  };
  const undoRemove = () => {
    if (!removed) return;
    edit((d) => (d.cells.some((c) => c.id === removed.cell.id) ? d : addCell(d, removed.cell, removed.index)));
    setFocusId(removed.cell.id);
    setRemoved(null);
  };
  const duplicate = (id: string) => {
    const r = duplicateCell(doc, id);
    setDoc(r.notebook);
    if (r.id) setFocusId(r.id);
  };
  const addInline = () => {
    const cell = makeCell({ kind: "inline", template: TemplateSchema.parse(STARTER_TEMPLATE), bindings: {} }, doc.cells.map((c) => c.id), { backend: DEFAULT_BACKEND });
    edit((d) => addCell(d, cell));
    setEditing(cell.id);
    setFocusId(cell.id);
  };

  const nameOf = (id: string | number) => {
    const i = doc.cells.findIndex((c) => c.id === id);
    return i < 0 ? "the cell" : cellLabel(doc.cells[i]!, i);
  };

  return (
    <div className="flex flex-col gap-4" data-testid="notebook-editor" data-version={saved.version} data-dirty={dirty ? "true" : "false"}>
      <NotebookHeader
        notebook={notebook}
        doc={doc}
        onDoc={setDoc}
        dirty={dirty}
        saving={saving}
        savedVersion={saved.version}
        versions={saved.versions}
        onSave={(message) => void saveNow(message).catch(() => undefined)}
        onDiscard={() => setDoc(saved.document)}
        onRestore={(v) => void restore(v)}
      />
      <ErrorNotice error={error} title="The notebook was not saved" />
      <DraftNotice
        restoredAt={draft.restoredAt}
        onDiscard={() => {
          setDoc(current.current.saved.document);
          draft.dismiss();
        }}
        onDismiss={draft.dismiss}
      />

      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-stone-600" data-testid="cell-count">
          {doc.cells.length} {doc.cells.length === 1 ? "cell" : "cells"} · {runs.length} saved {runs.length === 1 ? "run" : "runs"}
        </p>
        <div className="flex items-center gap-2">
          {runAll ? (
            <>
              <span className="text-xs text-stone-600" role="status" aria-live="polite" data-testid="run-all-status">
                Running cell {runAll.index + 1} of {runAll.total}…
              </span>
              <button type="button" className="btn" onClick={stopAll} data-testid="run-all-stop">
                Stop
              </button>
            </>
          ) : null}
          <button type="button" className="btn btn-primary" onClick={() => void runAllCells()} disabled={runAll !== null || doc.cells.length === 0} data-testid="run-all">
            Run all
          </button>
        </div>
      </div>

      {doc.cells.length === 0 ? (
        <div className="card flex flex-col items-center gap-1 px-6 py-10 text-center" data-testid="notebook-empty">
          <p className="font-medium">No cells yet.</p>
          <p className="text-sm text-stone-600">Add a template from a library, or a prompt of the notebook&apos;s own, below.</p>
        </div>
      ) : (
        <DndContext
          id={dndId}
          sensors={sensors}
          collisionDetection={closestCenter}
          onDragEnd={onDragEnd}
          accessibility={{ announcements: announcements(nameOf), screenReaderInstructions }}
        >
          <SortableContext items={doc.cells.map((c) => c.id)} strategy={verticalListSortingStrategy}>
            <ol className="flex flex-col gap-4" aria-label="Cells" data-testid="notebook-cells">
              {doc.cells.map((cell, i) => (
                <CellCard
                  key={cell.id}
                  cell={cell}
                  index={i}
                  count={doc.cells.length}
                  templates={templates}
                  resolved={cell.prompt.kind === "template" ? docs[refKey(cell.prompt.templateId, cell.prompt.version)] : undefined}
                  runs={runs.filter((r) => r.cellId === cell.id)}
                  editing={editing === cell.id}
                  current={runAll !== null && runAll.index === i}
                  onEditing={(open) => setEditing(open ? cell.id : null)}
                  onTitle={(title) => patchCell(cell.id, (c) => ({ ...c, title }))}
                  onPrompt={(prompt) => patchCell(cell.id, (c) => ({ ...c, prompt }))}
                  onParams={(params) => patchCell(cell.id, (c) => ({ ...c, params }))}
                  onMove={(to) => edit((d) => moveCell(d, cell.id, to))}
                  onDuplicate={() => duplicate(cell.id)}
                  onRemove={() => remove(cell, i)}
                  onFinished={onFinished(cell, i)}
                  handle={(h: CellRunnerHandle | null) => {
                    if (h) handles.current.set(cell.id, h);
                    else handles.current.delete(cell.id);
                  }}
                  runNow={() => void handles.current.get(cell.id)?.run()}
                />
              ))}
            </ol>
          </SortableContext>
        </DndContext>
      )}

      {removed ? (
        <div className="fixed inset-x-0 bottom-4 z-40 mx-auto flex w-fit max-w-[calc(100%-2rem)] items-center gap-3 rounded-lg bg-stone-900 px-4 py-2 text-sm text-white shadow-lg" role="status" data-testid="cell-removed">
          <span className="truncate">{cellLabel(removed.cell, removed.index)} removed.</span>
          <button type="button" className="font-semibold text-brand-200 underline hover:text-white" onClick={undoRemove} data-testid="cell-undo-remove">
            Undo
          </button>
          <button type="button" className="text-stone-400 hover:text-white" onClick={() => setRemoved(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      ) : null}

      <AddCellBar templates={templates} onTemplate={addFromTemplate} onInline={addInline} />
    </div>
  );
}
