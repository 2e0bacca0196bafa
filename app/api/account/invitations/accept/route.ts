/** POST /api/account/invitations/accept { token }: a signed-in person joins the workspace an invitation link names. */
import { callerOf } from "@/lib/auth";
import { AppError } from "@/lib/errors";
import { json, readJson, route } from "@/lib/http/respond";
import { acceptInvitation, findOpenInvitation } from "@/lib/store/accounts";
import { INVITATION_GONE, preferenceCookie, requireSharedMode, requireUser } from "../../common";
import { AcceptInvitationBody } from "../../schema";
import { WORKSPACE_COOKIE } from "@/lib/auth";

export const POST = route(async (request: Request) => {
  requireSharedMode();
  const user = requireUser(await callerOf(request));
  const { token } = await readJson(request, AcceptInvitationBody, 4096);
  const invitation = await findOpenInvitation(token);
  if (!invitation) throw new AppError("not_found", INVITATION_GONE);
  // The link is a bearer secret, but a forwarded one must not let someone else in.
  if (invitation.email !== user.email.trim().toLowerCase()) {
    throw new AppError("forbidden", `This invitation was sent to another e-mail address than the one you are signed in with (${user.email}): sign out and sign up with the invited address, or ask for an invitation for yours.`);
  }
  await acceptInvitation(invitation.id, user.userId);
  const response = json({ workspace: { id: invitation.workspaceId, name: invitation.workspaceName }, role: invitation.role });
  // Land in the workspace just joined.
  response.headers.append("set-cookie", preferenceCookie(request, WORKSPACE_COOKIE, invitation.workspaceId));
  return response;
});
