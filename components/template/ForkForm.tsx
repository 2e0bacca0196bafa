"use client";

import { useRouter } from "next/navigation";
import { navigateFresh } from "@/components/ui/navigate";
import { useId } from "react";
import { postJson } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { Field, LibrarySelect } from "@/components/ui/Field";
import { useFormSubmit } from "@/components/ui/useFormSubmit";
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
  const { busy, error, onSubmit } = useFormSubmit(
    async (form) => {
      const name = String(form.get("name") ?? "").trim();
      const { template } = await postJson<{ template: TemplateDetail }>(`/api/templates/${encodeURIComponent(templateId)}/fork`, {
        libraryId: String(form.get("libraryId")),
        ...(name ? { name } : {}),
      });
      navigateFresh(router, `/templates/${encodeURIComponent(template.id)}`);
    },
    { stayBusy: true },
  );

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-2" data-testid="fork-form">
      <Field htmlFor={`${id}-lib`} label="Into library">
        <LibrarySelect id={`${id}-lib`} name="libraryId" libraries={libraries} defaultValue={defaultLibraryId} className="input" data-testid="fork-library" />
      </Field>
      <Field htmlFor={`${id}-name`} label="Name (optional)">
        <input id={`${id}-name`} name="name" maxLength={120} placeholder={templateName} className="input" data-testid="fork-name" />
      </Field>
      <ErrorNotice error={error} />
      <button type="submit" className="btn" disabled={busy} data-testid="fork-submit">
        {busy ? "Forking…" : "Fork template"}
      </button>
    </form>
  );
}
