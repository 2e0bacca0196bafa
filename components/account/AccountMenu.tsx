"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/lib/api-client";

interface Props {
  name: string;
  email: string;
  workspaces: { workspaceId: string; workspaceName: string; role: string }[];
  activeWorkspaceId: string | null;
}

/** Right side of the nav bar on a shared deployment: the workspace switcher, Workspace settings, who is signed in, Sign out. */
export function AccountMenu({ name, email, workspaces, activeWorkspaceId }: Props) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function switchTo(workspaceId: string) {
    setBusy(true);
    setError(null);
    try {
      await postJson("/api/account/workspace", { workspaceId });
      router.refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  async function signOut() {
    setBusy(true);
    // Better Auth clears the session cookie; a full load then shows the sign-in page.
    await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => undefined);
    window.location.assign("/sign-in");
  }

  return (
    <div className="ml-auto flex shrink-0 items-center gap-2 text-sm" data-testid="account-menu">
      {workspaces.length > 1 ? (
        <select
          aria-label="Workspace"
          className="input w-auto max-w-40 py-1 text-xs"
          value={activeWorkspaceId ?? ""}
          disabled={busy}
          onChange={(e) => void switchTo(e.target.value)}
          data-testid="workspace-switcher"
        >
          {workspaces.map((w) => (
            <option key={w.workspaceId} value={w.workspaceId}>
              {w.workspaceName}
            </option>
          ))}
        </select>
      ) : null}
      <Link href="/workspace" className="rounded-md px-2 py-1.5 font-medium text-stone-600 hover:bg-stone-100 hover:text-stone-900" data-testid="workspace-link">
        Workspace
      </Link>
      <span className="max-w-32 truncate text-stone-700 max-md:sr-only" title={email} data-testid="account-name">
        {name || email}
      </span>
      <button type="button" className="btn px-2 py-1 text-xs" onClick={() => void signOut()} disabled={busy} data-testid="sign-out">
        Sign out
      </button>
      {error ? (
        <span role="alert" className="text-xs text-red-700">
          {error}
        </span>
      ) : null}
    </div>
  );
}
