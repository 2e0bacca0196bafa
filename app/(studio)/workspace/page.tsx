import type { Metadata } from "next";
import { allowed, authMode, currentCaller } from "@/lib/auth";
import { env } from "@/lib/env";
import { getWorkspace, listApiKeys, listMembers, listPendingInvitations, listShareLinks } from "@/lib/store/accounts";
import { LocalModeNotice } from "@/components/account/AuthCard";
import { accountView } from "@/components/account/session";
import { ApiKeysSection } from "@/components/workspace/ApiKeysSection";
import { InvitationsSection } from "@/components/workspace/InvitationsSection";
import { MembersSection } from "@/components/workspace/MembersSection";
import { ShareLinksSection } from "@/components/workspace/ShareLinksSection";

export const metadata: Metadata = { title: "Workspace" };
export const dynamic = "force-dynamic";

/** The active workspace's settings: members for everyone in it; invitations, API keys and share links for admins and owners. */
export default async function WorkspacePage() {
  if (authMode() === "local") return <LocalModeNotice />;
  const caller = await currentCaller();
  const account = await accountView(caller);
  const workspaceId = account?.activeWorkspaceId ?? null;
  if (!account || !workspaceId) {
    return (
      <div className="card mx-auto flex max-w-md flex-col gap-2 px-6 py-10 text-center" data-testid="no-workspace">
        <h1 className="text-xl font-semibold">No workspace yet</h1>
        <p className="text-sm text-stone-600">You are not a member of any workspace: ask an admin for an invitation link.</p>
      </div>
    );
  }
  const role = account.memberships.find((m) => m.workspaceId === workspaceId)?.role ?? null;
  const manage = await allowed(caller, "manage", { workspace: workspaceId });
  const [workspace, members, invitations, keys, links] = await Promise.all([
    getWorkspace(workspaceId),
    listMembers(workspaceId),
    manage ? listPendingInvitations(workspaceId) : [],
    manage ? listApiKeys(workspaceId) : [],
    manage ? listShareLinks(workspaceId) : [],
  ]);

  return (
    <div className="flex flex-col gap-6" data-testid="workspace-page">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight" data-testid="workspace-name">
          {workspace.name}
        </h1>
        <p className="text-sm text-stone-600">
          Your role here: <strong data-testid="workspace-role">{role}</strong>.{" "}
          {manage ? "You manage its members, invitations, API keys and share links." : "Admins and owners manage its members, keys and links."}
        </p>
      </header>
      <MembersSection workspaceId={workspaceId} initial={members} manageAs={manage ? role : null} selfId={account.user.id} />
      {manage && role ? (
        <>
          <InvitationsSection workspaceId={workspaceId} initial={invitations} manageAs={role} />
          <ApiKeysSection workspaceId={workspaceId} initial={keys} />
          <ShareLinksSection workspaceId={workspaceId} initial={links} enabled={env().STUDIO_SHARE_LINKS} />
        </>
      ) : null}
    </div>
  );
}
