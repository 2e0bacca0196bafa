"use client";

import { useRouter } from "next/navigation";
import { navigateFresh } from "@/components/ui/navigate";
import { useState } from "react";
import { postJson } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { TemplateDetail } from "@/lib/store/types";

/** Restore an old version as a new latest version, then show the latest. */
export function RestoreButton({ templateId, version, className = "btn" }: { templateId: string; version: number; className?: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function restore() {
    setBusy(true);
    setError(null);
    try {
      await postJson<{ template: TemplateDetail }>(
        `/api/templates/${encodeURIComponent(templateId)}/versions/${version}/restore`,
        { message: `Restore version ${version}` },
      );
      navigateFresh(router, `/templates/${encodeURIComponent(templateId)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <span className="inline-flex flex-col gap-1">
      <button type="button" className={className} onClick={restore} disabled={busy} data-testid="restore-version" data-version={version}>
        {busy ? "Restoring…" : `Restore v${version}`}
      </button>
      <ErrorNotice error={error} />
    </span>
  );
}
