"use client";

import { useRouter } from "next/navigation";
import { useId, useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { ApiError, apiFetch } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { navigateFresh } from "@/components/ui/navigate";
import type { LibrarySummary } from "@/lib/store/types";

/**
 * Pick an exported library file and POST it to the import route (all-or-nothing
 * on the server). When the name is taken, offer to import under another name.
 */
export function ImportLibraryButton() {
  const router = useRouter();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<{ text: string; suggestedName: string } | null>(null);

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
      if (err instanceof ApiError && err.status === 409) {
        setPending({ text, suggestedName: `${name ?? libraryNameOf(text) ?? "Library"} (imported)` });
      }
      setError(err);
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
      <div className="col-span-2 empty:hidden">
        <ErrorNotice error={error} title="Import failed" />
      </div>
      {pending ? (
        <form onSubmit={onRename} className="col-span-2 flex flex-col gap-2 rounded-md border border-stone-200 bg-stone-50 p-2" data-testid="import-rename-form">
          <label htmlFor={`${id}-name`} className="label">
            Import under another name
          </label>
          <input id={`${id}-name`} name="name" defaultValue={pending.suggestedName} key={pending.suggestedName} required maxLength={120} className="input" data-testid="import-name" />
          <div className="flex gap-2">
            <button type="submit" className="btn btn-primary flex-1" disabled={busy} data-testid="import-rename-submit">
              Import
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => {
                setPending(null);
                setError(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : null}
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
