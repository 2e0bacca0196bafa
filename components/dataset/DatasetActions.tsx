"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { apiFetch, postJson } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";

/** Rename (PATCH) and delete (with a confirmation) a dataset. */
export function DatasetActions({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const inputId = useId();
  const [mode, setMode] = useState<"idle" | "rename" | "delete">("idle");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const url = `/api/datasets/${encodeURIComponent(id)}`;

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  function onRename(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const next = String(new FormData(e.currentTarget).get("name") ?? "").trim();
    void run(async () => {
      await postJson(url, { name: next }, "PATCH");
      setMode("idle");
      router.refresh();
    });
  }

  return (
    <div className="flex flex-col items-end gap-2">
      {mode === "idle" ? (
        <div className="flex gap-2">
          <button type="button" className="btn" onClick={() => setMode("rename")} data-testid="dataset-rename">
            Rename
          </button>
          <button type="button" className="btn btn-danger" onClick={() => setMode("delete")} data-testid="dataset-delete">
            Delete
          </button>
        </div>
      ) : null}
      {mode === "rename" ? (
        <form onSubmit={onRename} className="flex items-end gap-2" data-testid="dataset-rename-form">
          <div>
            <label htmlFor={inputId} className="label">
              New name
            </label>
            <input id={inputId} name="name" defaultValue={name} required maxLength={200} className="input" data-testid="dataset-rename-input" />
          </div>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="dataset-rename-submit">
            Save
          </button>
          <button type="button" className="btn" onClick={() => setMode("idle")}>
            Cancel
          </button>
        </form>
      ) : null}
      {mode === "delete" ? (
        <div className="flex items-center gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" role="alertdialog" aria-label="Delete dataset">
          <span>Delete “{name}” and its comparisons? Images stay.</span>
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await apiFetch(url, { method: "DELETE" });
                router.push("/datasets");
                router.refresh();
              })
            }
            data-testid="dataset-delete-confirm"
          >
            Delete
          </button>
          <button type="button" className="btn" onClick={() => setMode("idle")}>
            Cancel
          </button>
        </div>
      ) : null}
      <ErrorNotice error={error} />
    </div>
  );
}
