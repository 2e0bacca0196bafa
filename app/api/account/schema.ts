import { z } from "zod";
import { safeText } from "@/lib/text";
import { IdSchema } from "@/lib/http/params";

/** An invitation link's token (base64url, as lib/store/accounts.ts makes them). */
export const InvitationToken = z.string().trim().min(16, "is not an invitation token").max(128).regex(/^[A-Za-z0-9_-]+$/, "is not an invitation token");

/** Better Auth's limits (lib/auth/better-auth.ts: 10 to 256 characters), checked here first for a clear message. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

export const SignUpBody = safeText(
  z.object({
    name: z.string().trim().min(1, "enter your name").max(120),
    email: z.string().trim().toLowerCase().max(254).pipe(z.email("is not an e-mail address")),
    password: z.string().min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`),
    invitation: InvitationToken.optional(),
  }),
);

export const AcceptInvitationBody = z.object({ token: InvitationToken });

export const ChooseWorkspaceBody = z.object({ workspaceId: IdSchema });
