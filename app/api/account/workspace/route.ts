/** POST /api/account/workspace { workspaceId }: the workspace the signed-in person works in (a cookie, checked on every request). */
import { callerOf, WORKSPACE_COOKIE } from "@/lib/auth";
import { notFound } from "@/lib/errors";
import { json, readJson, route } from "@/lib/http/respond";
import { preferenceCookie, requireSharedMode, requireUser } from "../common";
import { ChooseWorkspaceBody } from "../schema";

export const POST = route(async (request: Request) => {
  requireSharedMode();
  const user = requireUser(await callerOf(request));
  const { workspaceId } = await readJson(request, ChooseWorkspaceBody, 4096);
  // Not a member: the same answer as an unknown id.
  if (!user.roles.has(workspaceId)) throw notFound("Workspace", workspaceId);
  const response = json({ activeWorkspaceId: workspaceId });
  response.headers.append("set-cookie", preferenceCookie(request, WORKSPACE_COOKIE, workspaceId));
  return response;
});
