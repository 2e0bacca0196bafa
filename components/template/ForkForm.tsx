"use client";

import { useRouter } from "next/navigation";
import { navigateFresh } from "@/components/ui/navigate";
import { useId, useState, type FormEvent } from "react";
import { postJson } from "@/components/ui/api";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { TemplateDetail } from "@/lib/store/types";

interface Props {
  templateId: string;
  templateName: string;
  libraries: { id: string; name: string }[];
  /** Preselected target: the first library other than the template's own. */
  defaultLibraryId?: string;
}

export function ForkForm({ templateId, templateName, libraries, defaultLibraryId }: Props) {
  const router = useRouter();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const name = String(form.get("name") ?? "").trim();
    setBusy(true);
    setError(null);
    try {
      const { template } = await postJson<{ template: TemplateDetail }>(`/api/templates/${encodeURIComponent(templateId)}/fork`, {
        libraryId: String(form.get("libraryId")),
        ...(name ? { name } : {}),
      });
      navigateFresh(router, `/templates/${encodeURIComponent(template.id)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-2" data-testid="fork-form">
      <div>
        <label htmlFor={`${id}-lib`} className="label">
          Into library
        </label>
        <select id={`${id}-lib`} name="libraryId" defaultValue={defaultLibraryId} className="input" data-testid="fork-library">
          {libraries.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-name`} className="label">
          Name (optional)
        </label>
        <input id={`${id}-name`} name="name" maxLength={120} placeholder={templateName} className="input" data-testid="fork-name" />
      </div>
      <ErrorNotice error={error} />
      <button type="submit" className="btn" disabled={busy} data-testid="fork-submit">
        {busy ? "Forking…" : "Fork template"}
      </button>
    </form>
  );
}
