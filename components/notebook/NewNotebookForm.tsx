"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { Field, LibrarySelect } from "@/components/ui/Field";
import { useFormSubmit } from "@/components/ui/useFormSubmit";
import { emptyNotebook } from "@/lib/notebook/ops";
import type { LibrarySummary } from "@/lib/store/types";
import { createNotebookApi } from "./api";

/** Name a new, empty notebook and pick its library; opens it when made. */
export function NewNotebookForm({ libraries, defaultLibraryId }: { libraries: LibrarySummary[]; defaultLibraryId?: string }) {
  const router = useRouter();
  const id = useId();
  const [open, setOpen] = useState(false);
  const { busy, error, onSubmit } = useFormSubmit(
    async (form) => {
      const nb = await createNotebookApi(String(form.get("library")), emptyNotebook(String(form.get("name") ?? "").trim()), "Created");
      router.push(`/notebooks/${encodeURIComponent(nb.id)}`);
    },
    { stayBusy: true },
  );

  if (!open) {
    return (
      <button type="button" className="btn btn-primary" onClick={() => setOpen(true)} data-testid="new-notebook-button">
        New notebook
      </button>
    );
  }
  return (
    <form onSubmit={onSubmit} className="card flex w-full flex-col gap-2 p-3 sm:flex-row sm:items-end" data-testid="new-notebook-form">
      <Field htmlFor={`${id}-name`} label="Name" className="flex-1">
        <input id={`${id}-name`} name="name" required maxLength={120} autoFocus className="input" data-testid="new-notebook-name" />
      </Field>
      <Field htmlFor={`${id}-lib`} label="Library">
        <LibrarySelect id={`${id}-lib`} name="library" libraries={libraries} defaultValue={defaultLibraryId} className="input sm:w-48" data-testid="new-notebook-library" />
      </Field>
      <div className="flex gap-2">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="new-notebook-submit">
          {busy ? "Creating…" : "Create"}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <div className="empty:hidden sm:basis-full">
        <ErrorNotice error={error} />
      </div>
    </form>
  );
}
