/** What the account and workspace routes share: the local-mode refusal and "who is signed in". */
import "server-only";
import { authMode, type Caller } from "@/lib/auth";
import { AppError } from "@/lib/errors";

export const INVITATION_GONE = "This invitation link has expired, been revoked or already been used: ask an admin of the workspace for a new one.";

export const LOCAL_MODE_MESSAGE = "This studio runs in local mode: there are no accounts.";

/** Accounts, invitations, keys and share links exist only on a shared deployment. */
export function requireSharedMode(): void {
  if (authMode() === "local") throw new AppError("not_found", LOCAL_MODE_MESSAGE);
}

export type UserCaller = Extract<Caller, { kind: "user" }>;

/** The signed-in person behind a request (API keys and share links are not people). */
export function requireUser(caller: Caller): UserCaller {
  if (caller.kind === "user") return caller;
  if (caller.kind === "anonymous") throw new AppError("unauthorized", "Sign in first (the sign-in page is at /sign-in).");
  throw new AppError("forbidden", "This needs a signed-in person: API keys and share links cannot do it.");
}

/** A session-bound preference cookie (HttpOnly, SameSite=Lax; Secure when served over https). */
export function preferenceCookie(request: Request, name: string, value: string, maxAgeSeconds = 365 * 86_400): string {
  const secure = new URL(request.url).protocol === "https:" ? "; Secure" : "";
  return `${name}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}
