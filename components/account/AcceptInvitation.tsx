"use client";

import { useState } from "react";
import { postJson } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";

/** A signed-in person joins the invitation's workspace. */
export function AcceptInvitation({ token, workspaceName }: { token: string; workspaceName: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function accept() {
    setBusy(true);
    setError(null);
    try {
      await postJson("/api/account/invitations/accept", { token });
      window.location.assign("/workspace");
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }
  return (
    <div className="flex flex-col gap-3">
      <ErrorNotice error={error} />
      <button type="button" className="btn btn-primary self-start" onClick={() => void accept()} disabled={busy} data-testid="accept-invitation">
        {busy ? "Joining…" : `Join ${workspaceName}`}
      </button>
    </div>
  );
}
