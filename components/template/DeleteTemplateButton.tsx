"use client";

import { useRouter } from "next/navigation";
import { navigateFresh } from "@/components/ui/navigate";
import { useState } from "react";
import { apiFetch } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";

/** Two-step delete (no window.confirm, so keyboard and test friendly). */
export function DeleteTemplateButton({ templateId, libraryId }: { templateId: string; libraryId: string }) {
  const router = useRouter();
  const [armed, setArmed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function remove() {
    setBusy(true);
    try {
      await apiFetch<unknown>(`/api/templates/${encodeURIComponent(templateId)}`, { method: "DELETE" });
      navigateFresh(router, `/?library=${encodeURIComponent(libraryId)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-col gap-2">
      {armed ? (
        <div className="flex gap-2">
          <button type="button" className="btn btn-danger flex-1" onClick={remove} disabled={busy} data-testid="delete-confirm">
            {busy ? "Deleting…" : "Delete for good"}
          </button>
          <button type="button" className="btn" onClick={() => setArmed(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="btn btn-danger" onClick={() => setArmed(true)} data-testid="delete-template">
          Delete template…
        </button>
      )}
      <ErrorNotice error={error} />
    </div>
  );
}
