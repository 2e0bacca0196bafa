"use client";

import { useEffect, useState } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { useModalDialog } from "@/components/ui/useModalDialog";
import { createLink, listLinks, revokeLink } from "@/components/workspace/api";
import type { ShareLinkSummary } from "@/components/workspace/types";
import { ShareLinkList } from "./ShareLinkList";

export type ShareKind = "library" | "template" | "notebook";

interface Props {
  workspaceId: string;
  resourceKind: ShareKind;
  resourceId: string;
  resourceName: string;
  className?: string;
}

/** Share a library, template or notebook as a read-only link: make, copy and revoke its links (admins and owners; the page decides). */
export function ShareButton({ workspaceId, resourceKind, resourceId, resourceName, className = "btn" }: Props) {
  const [open, setOpen] = useState(false);
  const ref = useModalDialog(open);
  const [links, setLinks] = useState<ShareLinkSummary[] | null>(null);
  const [enabled, setEnabled] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!open) return;
    let live = true;
    listLinks(workspaceId, { resourceKind, resourceId })
      .then((r) => {
        if (!live) return;
        setLinks(r.links);
        setEnabled(r.enabled);
      })
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [open, workspaceId, resourceKind, resourceId]);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const create = () =>
    run(async () => {
      const { link } = await createLink(workspaceId, resourceKind, resourceId);
      setLinks((l) => [link, ...(l ?? [])]);
    });
  const revoke = (id: string) =>
    run(async () => {
      await revokeLink(workspaceId, id);
      setLinks((l) => (l ?? []).map((x) => (x.id === id ? { ...x, revokedAt: new Date().toISOString() } : x)));
    });

  return (
    <>
      <button type="button" className={className} onClick={() => setOpen(true)} data-testid="share-button">
        Share
      </button>
      <dialog
        ref={ref}
        onClose={() => setOpen(false)}
        onClick={(e) => e.target === ref.current && setOpen(false)}
        className="m-auto max-h-[85dvh] w-[min(40rem,calc(100vw-2rem))] rounded-xl border border-stone-200 bg-white p-0 shadow-xl backdrop:bg-stone-900/40"
        aria-label={`Share ${resourceName}`}
        data-testid="share-dialog"
      >
        <div className="flex items-center justify-between gap-2 border-b border-stone-200 px-4 py-3">
          <h2 className="truncate text-sm font-semibold">Share “{resourceName}”</h2>
          <button type="button" className="btn px-2 py-1 text-xs" onClick={() => setOpen(false)} aria-label="Close">
            ✕
          </button>
        </div>
        <div className="flex flex-col gap-3 px-4 py-3">
          <p className="text-sm text-stone-600">
            {enabled
              ? `Anyone with a link can view this ${resourceKind} read-only, without signing in; signed-in people can fork it into their own workspace. Revoke a link to stop it working.`
              : "Share links are switched off on this deployment."}
          </p>
          {enabled ? (
            <button type="button" className="btn btn-primary self-start" disabled={busy || links === null} onClick={() => void create()} data-testid="share-create">
              {busy ? "Working…" : "Create a link"}
            </button>
          ) : null}
          <ErrorNotice error={error} />
          {links === null ? <p className="text-sm text-stone-500">Loading…</p> : <ShareLinkList links={links} showResource={false} onRevoke={(id) => void revoke(id)} busy={busy} />}
        </div>
      </dialog>
    </>
  );
}
