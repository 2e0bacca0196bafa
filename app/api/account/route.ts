/** GET /api/account: the mode, who is signed in, their workspaces and the sign-in options (the pages and nav bar read it). */
import { authMode, callerOf, homeWorkspace } from "@/lib/auth";
import { oidcConfigured } from "@/lib/auth/better-auth";
import { env } from "@/lib/env";
import { json, route } from "@/lib/http/respond";
import { listMemberships } from "@/lib/store/accounts";

export const GET = route(async (request: Request) => {
  if (authMode() === "local") return json({ mode: "local" });
  const caller = await callerOf(request);
  const oidc = { enabled: oidcConfigured(), name: env().STUDIO_OIDC_NAME };
  if (caller.kind !== "user") return json({ mode: "shared", user: null, memberships: [], activeWorkspaceId: null, oidc });
  return json({
    mode: "shared",
    user: { id: caller.userId, name: caller.name, email: caller.email },
    memberships: await listMemberships(caller.userId),
    activeWorkspaceId: homeWorkspace(caller),
    oidc,
  });
});
