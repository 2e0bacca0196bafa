/** The signed-in person as pages show them (server components): null in local mode or when signed out. */
import "server-only";
import { authMode, currentCaller, homeWorkspace, type Caller } from "@/lib/auth";
import { listMemberships, type Membership } from "@/lib/store/accounts";

export interface AccountView {
  user: { id: string; name: string; email: string };
  memberships: Membership[];
  activeWorkspaceId: string | null;
}

export async function accountView(caller?: Caller): Promise<AccountView | null> {
  if (authMode() === "local") return null;
  const who = caller ?? (await currentCaller());
  if (who.kind !== "user") return null;
  return {
    user: { id: who.userId, name: who.name, email: who.email },
    memberships: await listMemberships(who.userId),
    activeWorkspaceId: homeWorkspace(who),
  };
}
