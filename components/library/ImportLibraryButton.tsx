"use client";

import { useRouter } from "next/navigation";
import { useId, useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { ApiError, apiFetch } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { navigateFresh } from "@/components/ui/navigate";
import { useModalDialog } from "@/components/ui/useModalDialog";
import type { LibrarySummary } from "@/lib/store/types";

/**
 * Pick an exported library file and POST it to the import route (all-or-nothing
 * on the server). When the name is taken, a dialog offers to import it under another name.
 */
export function ImportLibraryButton() {
  const router = useRouter();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<{ text: string; name: string; suggestedName: string } | null>(null);
  const dialog = useModalDialog(pending !== null);

  async function send(text: string, name?: string) {
    setBusy(true);
    setError(null);
    try {
      const url = name ? `/api/libraries/import?name=${encodeURIComponent(name)}` : "/api/libraries/import";
      const { library } = await apiFetch<{ library: LibrarySummary }>(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: text,
      });
      setPending(null);
      navigateFresh(router, `/?library=${encodeURIComponent(library.id)}`);
    } catch (err) {
      const conflict = err instanceof ApiError && err.status === 409;
      if (conflict) {
        const taken = name ?? libraryNameOf(text) ?? "Library";
        setPending({ text, name: taken, suggestedName: `${taken} (imported)` });
      }
      setError(conflict ? null : err);
    } finally {
      setBusy(false);
    }
  }

  async function onChange(e: ChangeEvent<HTMLInputElement>) {
    const file = e.currentTarget.files?.[0];
    e.currentTarget.value = "";
    if (file) await send(await file.text());
  }

  function onRename(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get("name") ?? "").trim();
    if (pending && name) void send(pending.text, name);
  }

  return (
    // `contents`: the button sits in its parent's grid cell; notices span the row.
    <div className="contents">
      <input ref={input} type="file" accept="application/json,.json" className="sr-only" tabIndex={-1} aria-hidden onChange={onChange} data-testid="import-library-input" />
      <button type="button" className="btn w-full" disabled={busy} onClick={() => input.current?.click()} data-testid="import-library-button">
        {busy ? "Importing…" : "Import library…"}
      </button>
      <div className="col-span-2 empty:hidden">{pending ? null : <ErrorNotice error={error} title="Import failed" />}</div>
      <dialog
        ref={dialog}
        onClose={() => {
          setPending(null);
          setError(null);
        }}
        className="m-auto w-[calc(100%-1rem)] max-w-md rounded-lg border border-stone-200 bg-white p-0 text-stone-900 shadow-2xl backdrop:bg-stone-900/30"
        aria-labelledby={`${id}-title`}
        data-testid="import-rename-dialog"
      >
        {pending ? (
          <form onSubmit={onRename} className="flex flex-col gap-3 p-4" data-testid="import-rename-form">
            <header>
              <h2 id={`${id}-title`} className="text-base font-semibold wrap-anywhere">
                A library named “{pending.name}” already exists
              </h2>
              <p className="text-sm text-stone-600">Nothing was imported. Import the file as a new library under another name:</p>
            </header>
            <label htmlFor={`${id}-name`} className="label">
              Name
            </label>
            <input id={`${id}-name`} name="name" defaultValue={pending.suggestedName} key={pending.suggestedName} required maxLength={120} className="input" autoFocus data-testid="import-name" />
            <ErrorNotice error={error} title="Import failed" />
            <div className="flex justify-end gap-2">
              <button type="button" className="btn" onClick={() => dialog.current?.close()} data-testid="import-rename-cancel">
                Cancel
              </button>
              <button type="submit" className="btn btn-primary" disabled={busy} data-testid="import-rename-submit">
                {busy ? "Importing…" : "Import"}
              </button>
            </div>
          </form>
        ) : null}
      </dialog>
    </div>
  );
}

function libraryNameOf(text: string): string | undefined {
  try {
    const doc = JSON.parse(text) as { library?: { name?: unknown } };
    return typeof doc.library?.name === "string" ? doc.library.name : undefined;
  } catch {
    return undefined;
  }
}
