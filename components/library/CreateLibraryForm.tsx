"use client";

import { useRouter } from "next/navigation";
import { navigateFresh } from "@/components/ui/navigate";
import { useId, useState } from "react";
import { postJson } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { Field } from "@/components/ui/Field";
import { useFormSubmit } from "@/components/ui/useFormSubmit";
import type { LibrarySummary } from "@/lib/store/types";

export function CreateLibraryForm() {
  const router = useRouter();
  const id = useId();
  const [open, setOpen] = useState(false);
  const { busy, error, onSubmit } = useFormSubmit(async (form) => {
    const { library } = await postJson<{ library: LibrarySummary }>("/api/libraries", {
      name: String(form.get("name") ?? "").trim(),
      description: String(form.get("description") ?? "").trim() || undefined,
    });
    setOpen(false);
    navigateFresh(router, `/?library=${encodeURIComponent(library.id)}`);
  });

  if (!open) {
    return (
      <button type="button" className="btn w-full" onClick={() => setOpen(true)} data-testid="new-library-button">
        New library
      </button>
    );
  }
  return (
    <form onSubmit={onSubmit} className="col-span-2 flex flex-col gap-2 rounded-md border border-stone-200 bg-stone-50 p-2" data-testid="new-library-form">
      <Field htmlFor={`${id}-name`} label="Name">
        <input id={`${id}-name`} name="name" required maxLength={120} autoFocus className="input" data-testid="new-library-name" />
      </Field>
      <Field htmlFor={`${id}-desc`} label="Description (optional)">
        <input id={`${id}-desc`} name="description" maxLength={2000} className="input" />
      </Field>
      <ErrorNotice error={error} />
      <div className="flex gap-2">
        <button type="submit" className="btn btn-primary flex-1" disabled={busy} data-testid="new-library-submit">
          {busy ? "Creating…" : "Create"}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
