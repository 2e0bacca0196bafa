"use client";

import { useRouter } from "next/navigation";
import { navigateFresh } from "@/components/ui/navigate";
import { useRef, useState, type ChangeEvent } from "react";
import { apiFetch } from "@/components/ui/api";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { LibrarySummary } from "@/lib/store/types";

/** Pick an exported library file and POST it to the import route (all-or-nothing on the server). */
export function ImportLibraryButton() {
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function onChange(e: ChangeEvent<HTMLInputElement>) {
    const file = e.currentTarget.files?.[0];
    e.currentTarget.value = "";
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const { library } = await apiFetch<{ library: LibrarySummary }>("/api/libraries/import", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: await file.text(),
      });
      navigateFresh(router, `/?library=${encodeURIComponent(library.id)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-col gap-2">
      <input
        ref={input}
        type="file"
        accept="application/json,.json"
        className="sr-only"
        tabIndex={-1}
        aria-hidden
        onChange={onChange}
        data-testid="import-library-input"
      />
      <button type="button" className="btn w-full" disabled={busy} onClick={() => input.current?.click()} data-testid="import-library-button">
        {busy ? "Importing…" : "Import library…"}
      </button>
      <ErrorNotice error={error} title="Import failed" />
    </div>
  );
}
