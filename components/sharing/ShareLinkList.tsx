"use client";

import { useSyncExternalStore } from "react";
import { CopyButton } from "@/components/ui/CopyButton";
import { formatDate } from "@/components/ui/format";
import type { ShareLinkSummary } from "@/components/workspace/types";

/** The page a share link opens (the token is the whole credential). */
const noSubscription = () => () => undefined;

function useShareUrl(token: string): string {
  // The origin is known only in the browser; the server renders the path.
  const origin = useSyncExternalStore(noSubscription, () => window.location.origin, () => "");
  return `${origin}/share/${token}`;
}

function LinkRow({ link, showResource, onRevoke, busy }: { link: ShareLinkSummary; showResource: boolean; onRevoke(id: string): void; busy: boolean }) {
  const url = useShareUrl(link.token);
  const revoked = link.revokedAt !== null;
  return (
    <li className={`flex flex-wrap items-center gap-2 py-2 text-sm ${revoked ? "text-stone-400" : ""}`} data-testid="share-link-row" data-revoked={revoked ? "true" : "false"}>
      {showResource ? (
        <span className="min-w-0 max-w-60 truncate font-medium" title={link.resourceName ?? link.resourceId}>
          <span className="mr-1 rounded bg-stone-100 px-1.5 py-0.5 text-[11px] font-normal text-stone-600">{link.resourceKind}</span>
          {link.resourceName ?? "(deleted)"}
        </span>
      ) : null}
      <code className="min-w-0 flex-1 truncate rounded bg-stone-50 px-2 py-1 font-mono text-xs" data-testid="share-link-url">
        {url}
      </code>
      <span className="text-xs text-stone-500">
        {link.createdBy ? `by ${link.createdBy}, ` : ""}
        {formatDate(link.createdAt)}
      </span>
      {revoked ? (
        <span className="text-xs">revoked</span>
      ) : (
        <>
          <CopyButton text={url} label="Copy" testId="share-link-copy" />
          <button type="button" className="btn btn-danger px-2 py-1 text-xs" disabled={busy} onClick={() => onRevoke(link.id)} data-testid="share-link-revoke">
            Revoke
          </button>
        </>
      )}
    </li>
  );
}

export function ShareLinkList({ links, showResource, onRevoke, busy }: { links: ShareLinkSummary[]; showResource: boolean; onRevoke(id: string): void; busy: boolean }) {
  if (links.length === 0) return <p className="text-sm text-stone-500">No share links.</p>;
  return (
    <ul className="divide-y divide-stone-100" data-testid="share-link-list">
      {links.map((l) => (
        <LinkRow key={l.id} link={l} showResource={showResource} onRevoke={onRevoke} busy={busy} />
      ))}
    </ul>
  );
}
