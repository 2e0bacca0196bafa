"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { LibrarySummary } from "@/lib/store/types";

/**
 * Delete a user library after a confirm: the server removes its templates, notebooks (with their
 * runs), datasets and sweeps, and the images nothing else uses, all or nothing. Not offered for the
 * Examples library, which is read-only (the server refuses it too).
 */
export function DeleteLibraryButton({ library, active }: { library: Pick<LibrarySummary, "id" | "name" | "kind" | "templateCount">; active?: boolean }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (library.kind !== "user") return null;

  async function remove() {
    const templates = `${library.templateCount} ${library.templateCount === 1 ? "template" : "templates"}`;
    const question = `Delete the library “${library.name}” with its ${templates} and all its notebooks, runs, datasets and sweeps? Images nothing else uses are deleted too. This cannot be undone.`;
    if (!window.confirm(question)) return;
    setBusy(true);
    setError(null);
    try {
      await apiFetch<void>(`/api/libraries/${encodeURIComponent(library.id)}`, { method: "DELETE" });
      // Showing the deleted library: go back to all of them; elsewhere, reload the list.
      if (active) router.push("/");
      router.refresh();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button
        type="button"
        onClick={remove}
        disabled={busy}
        className="shrink-0 rounded-md px-1.5 py-1 text-xs text-stone-500 hover:bg-red-50 hover:text-red-700 disabled:opacity-50"
        aria-label={`Delete library ${library.name}`}
        title={`Delete "${library.name}" and everything in it`}
        data-testid="delete-library-button"
      >
        {busy ? "Deleting…" : "Delete"}
      </button>
      {error ? (
        <div className="basis-full">
          <ErrorNotice error={error} title="Delete failed" />
        </div>
      ) : null}
    </>
  );
}
