/**
 * POST /api/account/sign-up { name, email, password, invitation? }: the one way to create an e-mail
 * account. The first account becomes owner; later ones need an invitation (its link's token, for the
 * same address) or a deployment with open sign-up. Answers with Better Auth's response, which carries
 * the new session's cookie.
 */
import { callerOf } from "@/lib/auth";
import { INVITATION_ONLY, auth, maySignUp } from "@/lib/auth/better-auth";
import { AppError } from "@/lib/errors";
import { readJson, route } from "@/lib/http/respond";
import { acceptInvitation, findOpenInvitation, type OpenInvitation } from "@/lib/store/accounts";
import { INVITATION_GONE, requireSharedMode } from "../common";
import { SignUpBody } from "../schema";

/** Small body: a name, an address, a password and a token. */
const LIMIT_BYTES = 16 * 1024;

async function openInvitationFor(token: string, email: string): Promise<OpenInvitation> {
  const invitation = await findOpenInvitation(token);
  if (!invitation) throw new AppError("not_found", INVITATION_GONE);
  if (invitation.email !== email) {
    throw new AppError("forbidden", "This invitation was sent to another e-mail address: sign up with the address it was sent to, or ask for an invitation for yours.");
  }
  return invitation;
}

export const POST = route(async (request: Request) => {
  requireSharedMode();
  const body = await readJson(request, SignUpBody, LIMIT_BYTES);
  if ((await callerOf(request)).kind === "user") throw new AppError("conflict", "You are already signed in: sign out first to create another account.");
  const invitation = body.invitation ? await openInvitationFor(body.invitation, body.email) : null;
  if (!invitation && !(await maySignUp(body.email))) throw new AppError("forbidden", INVITATION_ONLY);

  const response = await auth().api.signUpEmail({
    body: { name: body.name, email: body.email, password: body.password },
    headers: request.headers,
    asResponse: true,
  });
  if (!response.ok || !invitation) return response;

  const created = (await response.clone().json()) as { user?: { id?: unknown } };
  const userId = typeof created.user?.id === "string" ? created.user.id : null;
  if (!userId) throw new AppError("internal", "The account was created but could not be read back: sign in and open the invitation link again.");
  try {
    await acceptInvitation(invitation.id, userId);
  } catch (error) {
    // The account exists and is signed in: keep its cookie on the refusal so the next step works.
    if (!(error instanceof AppError)) throw error;
    const refused = Response.json(error.toJSON(), { status: error.status });
    for (const cookie of response.headers.getSetCookie()) refused.headers.append("set-cookie", cookie);
    return refused;
  }
  return response;
});
