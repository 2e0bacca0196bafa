"use client";

import { useId, useState } from "react";
import { ROLES, mayAssign, type Role } from "@/lib/auth/roles";
import { CopyButton } from "@/components/ui/CopyButton";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { Field } from "@/components/ui/Field";
import { formatDate } from "@/components/ui/format";
import { useFormSubmit } from "@/components/ui/useFormSubmit";
import { invite, revokeInvitation } from "./api";
import type { InvitationSummary } from "./types";

/** Invite by e-mail address and role: the link is shown once, to copy and send. Pending invitations can be revoked. */
export function InvitationsSection({ workspaceId, initial, manageAs }: { workspaceId: string; initial: InvitationSummary[]; manageAs: Role }) {
  const id = useId();
  const [pending, setPending] = useState(initial);
  const [sent, setSent] = useState<{ email: string; url: string } | null>(null);
  const [revokeError, setRevokeError] = useState<unknown>(null);
  const { busy, error, onSubmit } = useFormSubmit(async (form) => {
    const email = String(form.get("email") ?? "").trim();
    const { invitation, url } = await invite(workspaceId, email, String(form.get("role")) as Role);
    setPending((p) => [invitation, ...p.filter((x) => x.id !== invitation.id)]);
    setSent({ email: invitation.email, url });
  });

  async function revoke(invitationId: string) {
    setRevokeError(null);
    try {
      setPending((await revokeInvitation(workspaceId, invitationId)).invitations);
    } catch (e) {
      setRevokeError(e);
    }
  }

  return (
    <section className="card flex flex-col gap-3 p-4" aria-labelledby="invite-heading" data-testid="invitations-section">
      <h2 id="invite-heading" className="text-lg font-semibold">
        Invite people
      </h2>
      <form onSubmit={(e) => { setSent(null); void onSubmit(e); }} className="flex flex-wrap items-end gap-2" data-testid="invite-form">
        <Field htmlFor={`${id}-email`} label="E-mail address" className="min-w-56 flex-1">
          <input id={`${id}-email`} name="email" type="email" required maxLength={254} className="input" data-testid="invite-email" />
        </Field>
        <Field htmlFor={`${id}-role`} label="Role">
          <select id={`${id}-role`} name="role" defaultValue="editor" className="input w-auto" data-testid="invite-role">
            {ROLES.filter((r) => mayAssign(manageAs, r)).map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="invite-submit">
          {busy ? "Inviting…" : "Invite"}
        </button>
      </form>
      <ErrorNotice error={error} />
      {sent ? (
        <div className="flex flex-col gap-2 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-950" role="status" data-testid="invite-link">
          <p>
            Send this link to <strong>{sent.email}</strong>. It is shown only now, works once, and expires in 7 days.
          </p>
          <div className="flex items-center gap-2">
            <code className="min-w-0 flex-1 truncate rounded bg-white px-2 py-1 font-mono text-xs" data-testid="invite-url">
              {sent.url}
            </code>
            <CopyButton text={sent.url} label="Copy link" testId="invite-copy" />
          </div>
        </div>
      ) : null}
      <h3 className="text-sm font-semibold text-stone-700">Pending invitations</h3>
      <ErrorNotice error={revokeError} />
      {pending.length === 0 ? (
        <p className="text-sm text-stone-500">None.</p>
      ) : (
        <ul className="divide-y divide-stone-100 text-sm">
          {pending.map((inv) => (
            <li key={inv.id} className="flex flex-wrap items-center gap-3 py-2" data-testid="invitation-row">
              <span className="min-w-0 flex-1 truncate">{inv.email}</span>
              <span className="rounded bg-stone-100 px-2 py-0.5 text-xs">{inv.role}</span>
              <span className="text-xs text-stone-500">expires {formatDate(inv.expiresAt)}</span>
              <button type="button" className="btn btn-danger px-2 py-1 text-xs" onClick={() => void revoke(inv.id)} data-testid="invitation-revoke">
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
