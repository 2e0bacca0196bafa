"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { apiFetch } from "@/lib/api-client";
import { Breadcrumb } from "@/components/ui/Breadcrumb";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { formatDateTime, hrefWith } from "@/components/ui/format";
import type { Notebook } from "@/lib/notebook/schema";
import type { NotebookDetail, NotebookVersionSummary } from "@/lib/store/types";

interface Props {
  notebook: NotebookDetail;
  doc: Notebook;
  onDoc(d: Notebook): void;
  dirty: boolean;
  saving: boolean;
  savedVersion: number;
  versions: NotebookVersionSummary[];
  onSave(message?: string): void;
  onDiscard(): void;
  onRestore(version: number): void;
}

/** Name and description (edited in place), the save bar (Ctrl/⌘ + S), and the version history. */
export function NotebookHeader({ notebook, doc, onDoc, dirty, saving, savedVersion, versions, onSave, onDiscard, onRestore }: Props) {
  const [message, setMessage] = useState("");
  const save = useRef(() => {});
  useEffect(() => {
    save.current = () => {
      if (!dirty || saving || !doc.name.trim()) return;
      onSave(message.trim() || undefined);
      setMessage("");
    };
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
        e.preventDefault();
        save.current();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <header className="flex flex-col gap-3">
      <Breadcrumb
        items={[
          { label: "Notebooks", href: "/notebooks" },
          { label: notebook.libraryName, href: hrefWith("/", { library: notebook.libraryId, view: "notebooks" }), testId: "notebook-library" },
        ]}
      />
      <div className="flex flex-col gap-3 lg:flex-row lg:items-start">
        <div className="flex min-w-0 flex-1 flex-col gap-1">
          <h1 className="sr-only">{doc.name || "Untitled notebook"}</h1>
          <input
            className="w-full rounded-md border border-transparent bg-transparent px-1 py-0.5 text-2xl font-semibold tracking-tight hover:border-stone-200 focus-visible:border-brand-600"
            value={doc.name}
            maxLength={120}
            onChange={(e) => onDoc({ ...doc, name: e.target.value })}
            aria-label="Notebook name"
            aria-invalid={!doc.name.trim()}
            data-testid="notebook-name"
          />
          <textarea
            className="w-full resize-none rounded-md border border-transparent bg-transparent px-1 py-0.5 text-sm text-stone-600 placeholder:text-stone-400 hover:border-stone-200 focus-visible:border-brand-600"
            rows={1}
            value={doc.description}
            maxLength={2000}
            placeholder="Add a description…"
            onChange={(e) => onDoc({ ...doc, description: e.target.value })}
            aria-label="Notebook description"
            data-testid="notebook-description"
          />
        </div>
        <div className="card flex w-full shrink-0 flex-col gap-2 p-3 lg:w-80" data-testid="notebook-save-bar">
          <p className="flex items-center justify-between text-xs" role="status" aria-live="polite">
            <span className={dirty ? "font-medium text-amber-700" : "text-stone-600"} data-testid="notebook-status">
              {saving ? "Saving…" : dirty ? "Unsaved changes" : `Saved · v${savedVersion}`}
            </span>
            <span className="text-stone-400">Ctrl/⌘ + S</span>
          </p>
          <div className="flex gap-2">
            <input
              className="input min-w-0 flex-1"
              placeholder="What changed? (optional)"
              value={message}
              maxLength={500}
              onChange={(e) => setMessage(e.target.value)}
              onKeyDown={(e) => e.key === "Enter" && save.current()}
              aria-label="Version message"
              data-testid="notebook-message"
            />
            <button type="button" className="btn btn-primary" disabled={!dirty || saving || !doc.name.trim()} onClick={() => save.current()} data-testid="notebook-save">
              Save
            </button>
          </div>
          {dirty ? (
            <button type="button" className="self-start text-xs text-stone-500 underline hover:text-stone-900" onClick={onDiscard} data-testid="notebook-discard">
              Discard changes
            </button>
          ) : null}
          <details className="group text-xs" data-testid="notebook-versions">
            <summary className="cursor-pointer select-none text-stone-600 hover:text-stone-900">
              {versions.length} {versions.length === 1 ? "version" : "versions"}
            </summary>
            <ol className="mt-2 flex max-h-64 flex-col gap-1 overflow-auto">
              {versions.map((v) => (
                <li key={v.version} className="flex items-start justify-between gap-2 rounded px-1 py-1 hover:bg-stone-50" data-testid="notebook-version">
                  <span className="min-w-0">
                    <span className="font-medium">v{v.version}</span> {v.message ? <span className="text-stone-700">· {v.message}</span> : null}
                    <span className="block text-stone-500">
                      {formatDateTime(v.createdAt)}
                      {v.createdBy ? <span data-testid="version-author"> · {v.createdBy}</span> : null}
                    </span>
                  </span>
                  {v.version !== savedVersion ? (
                    <button
                      type="button"
                      className="btn shrink-0 px-1.5 py-0.5 text-xs"
                      disabled={dirty || saving}
                      title={dirty ? "Save or discard your changes first" : `Make v${v.version} the latest again (as a new version)`}
                      onClick={() => onRestore(v.version)}
                      data-testid="notebook-restore"
                    >
                      Restore
                    </button>
                  ) : (
                    <span className="shrink-0 text-stone-400">latest</span>
                  )}
                </li>
              ))}
            </ol>
          </details>
          <DeleteNotebook id={notebook.id} name={doc.name || notebook.name} />
        </div>
      </div>
    </header>
  );
}

/** Two steps (no browser dialog): "Delete…", then "Delete for good" or "Keep it". */
function DeleteNotebook({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await apiFetch(`/api/notebooks/${encodeURIComponent(id)}`, { method: "DELETE" });
      router.push("/notebooks");
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  if (!asking) {
    return (
      <button type="button" className="self-start text-xs text-stone-500 hover:text-red-700 hover:underline" onClick={() => setAsking(true)} data-testid="notebook-delete">
        Delete notebook…
      </button>
    );
  }
  return (
    <div className="flex flex-col gap-2 rounded-md border border-red-200 bg-red-50 p-2 text-xs text-red-900" role="group" aria-label="Delete the notebook">
      <p>
        Delete “{name}”, all its versions and saved runs? This cannot be undone.
      </p>
      <div className="flex gap-2">
        <button type="button" className="btn btn-danger px-2 py-1 text-xs" onClick={() => void remove()} disabled={busy} autoFocus data-testid="notebook-delete-confirm">
          {busy ? "Deleting…" : "Delete for good"}
        </button>
        <button type="button" className="btn px-2 py-1 text-xs" onClick={() => setAsking(false)} disabled={busy}>
          Keep it
        </button>
      </div>
      <ErrorNotice error={error} />
    </div>
  );
}
