"use client";

import { useState } from "react";
import { ROLES, mayAssign, type Role } from "@/lib/auth/roles";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { formatDate } from "@/components/ui/format";
import { removeMember, setRole } from "./api";
import type { MemberSummary } from "./types";

interface Props {
  workspaceId: string;
  initial: MemberSummary[];
  /** The viewer's own role; null: they may only look. */
  manageAs: Role | null;
  selfId: string;
}

/** Who is in the workspace; admins and owners change roles and remove people. */
export function MembersSection({ workspaceId, initial, manageAs, selfId }: Props) {
  const [members, setMembers] = useState(initial);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function act(userId: string, action: () => Promise<{ members: MemberSummary[] }>) {
    setBusy(userId);
    setError(null);
    try {
      setMembers((await action()).members);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card flex flex-col gap-3 p-4" aria-labelledby="members-heading" data-testid="members-section">
      <h2 id="members-heading" className="text-lg font-semibold">
        Members
      </h2>
      <ErrorNotice error={error} />
      <ul className="divide-y divide-stone-100">
        {members.map((m) => {
          const editable = manageAs !== null && mayAssign(manageAs, m.role);
          return (
            <li key={m.id} className="flex flex-wrap items-center gap-3 py-2" data-testid="member-row" data-email={m.email}>
              <div className="min-w-0 flex-1">
                <p className="truncate font-medium">
                  {m.name || m.email}
                  {m.id === selfId ? <span className="ml-1 text-xs font-normal text-stone-500">(you)</span> : null}
                </p>
                <p className="truncate text-xs text-stone-500">
                  {m.email} · joined {formatDate(m.joinedAt)}
                </p>
              </div>
              {editable ? (
                <select
                  aria-label={`Role of ${m.name || m.email}`}
                  className="input w-auto"
                  value={m.role}
                  disabled={busy !== null}
                  onChange={(e) => void act(m.id, () => setRole(workspaceId, m.id, e.target.value as Role))}
                  data-testid="member-role"
                >
                  {ROLES.filter((r) => mayAssign(manageAs, r)).map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              ) : (
                <span className="rounded bg-stone-100 px-2 py-0.5 text-xs font-medium text-stone-700" data-testid="member-role-label">
                  {m.role}
                </span>
              )}
              {editable && m.id !== selfId ? (
                <button type="button" className="btn btn-danger px-2 py-1 text-xs" disabled={busy !== null} onClick={() => void act(m.id, () => removeMember(workspaceId, m.id))} data-testid="member-remove">
                  Remove
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
