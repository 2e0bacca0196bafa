"use client";

import { useId, useState } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { LibrarySelect } from "@/components/ui/Field";
import { useFormSubmit } from "@/components/ui/useFormSubmit";
import { postJson } from "@/lib/api-client";
import type { TemplateSummary } from "@/lib/store/types";

interface Props {
  shareToken: string;
  templateId: string;
  templateName: string;
  /** Libraries of the viewer's own workspaces they may write to. */
  libraries: { id: string; name: string }[];
}

/** Fork a shared template into one of the viewer's libraries (the share link proves they may read it). */
export function ForkShared({ shareToken, templateId, templateName, libraries }: Props) {
  const id = useId();
  const [forked, setForked] = useState<TemplateSummary | null>(null);
  const { busy, error, onSubmit } = useFormSubmit(async (form) => {
    // The link (in the path) lets them read the source; their session, write into their library.
    const { template } = await postJson<{ template: TemplateSummary }>(`/api/share/${encodeURIComponent(shareToken)}/fork`, {
      templateId,
      libraryId: String(form.get("libraryId") ?? ""),
    });
    setForked(template);
  });

  if (libraries.length === 0) {
    return <p className="text-sm text-stone-600">To fork “{templateName}”, you need a library you may edit in one of your workspaces.</p>;
  }
  if (forked) {
    return (
      <p className="text-sm text-emerald-800" role="status" data-testid="fork-done">
        Forked into {forked.libraryName}.{" "}
        <a href={`/templates/${encodeURIComponent(forked.id)}`} className="font-medium underline">
          Open your copy
        </a>
      </p>
    );
  }
  return (
    <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-2" data-testid="fork-shared-form">
      <div>
        <label htmlFor={`${id}-lib`} className="label">
          Fork into my library
        </label>
        <LibrarySelect id={`${id}-lib`} name="libraryId" libraries={libraries} className="input w-auto" />
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy} data-testid="fork-shared-submit">
        {busy ? "Forking…" : "Fork into my workspace"}
      </button>
      <ErrorNotice error={error} />
    </form>
  );
}
