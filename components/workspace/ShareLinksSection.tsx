"use client";

import { useState } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { ShareLinkList } from "@/components/sharing/ShareLinkList";
import { revokeLink } from "./api";
import type { ShareLinkSummary } from "./types";

/** Every read-only link made in this workspace; new ones are made with Share on a library, template or notebook. */
export function ShareLinksSection({ workspaceId, initial, enabled }: { workspaceId: string; initial: ShareLinkSummary[]; enabled: boolean }) {
  const [links, setLinks] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function revoke(id: string) {
    setBusy(true);
    setError(null);
    try {
      setLinks((await revokeLink(workspaceId, id)).links);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card flex flex-col gap-3 p-4" aria-labelledby="share-heading" data-testid="share-links-section">
      <h2 id="share-heading" className="text-lg font-semibold">
        Share links
      </h2>
      <p className="text-sm text-stone-600">
        {enabled
          ? "Read-only links to a library, template or notebook: anyone holding one can look (and, signed in, fork). Make them with Share on the page itself."
          : "Share links are switched off on this deployment (STUDIO_SHARE_LINKS=false): existing links do not open."}
      </p>
      <ErrorNotice error={error} />
      <ShareLinkList links={links} showResource onRevoke={(id) => void revoke(id)} busy={busy} />
    </section>
  );
}
