/**
 * Better Auth's own routes (sign-in, sign-out, session, OpenID callbacks) under /api/auth, behind our
 * request checks (route(): Host allow-list and cross-site writes, lib/http/origin.ts).
 *
 * Two things are ours, not Better Auth's: local mode has no accounts at all (404), and accounts are
 * created only through POST /api/account/sign-up, which also joins the invitation's workspace.
 */
import { authMode } from "@/lib/auth";
import { auth, AUTH_BASE_PATH } from "@/lib/auth/better-auth";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/respond";
import { LOCAL_MODE_MESSAGE } from "../../account/common";
import { normalisedPath } from "./paths";

/** Better Auth's own e-mail sign-up: closed here (it would create an account without joining any workspace). */
const CLOSED_PATHS = [`${AUTH_BASE_PATH}/sign-up/email`];

async function handle(request: Request): Promise<Response> {
  if (authMode() === "local") throw new AppError("not_found", LOCAL_MODE_MESSAGE);
  if (CLOSED_PATHS.includes(normalisedPath(request.url))) {
    throw new AppError("forbidden", "Create accounts with POST /api/account/sign-up { name, email, password, invitation? } (the sign-up page uses it): it checks the invitation and joins its workspace.");
  }
  return auth().handler(request);
}

export const GET = route(handle);
export const POST = route(handle);
