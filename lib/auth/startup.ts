import "server-only";
import { env } from "@/lib/env";
import { authMode, isLoopbackHost } from "./mode";

/**
 * A shared deployment cannot sign anyone in without STUDIO_SECRET_KEY (sessions are signed with a key
 * derived from it): refuse to start, naming the variable, rather than fail on the first sign-in.
 */
export function checkAuthConfiguration(): void {
  if (authMode() === "local") return;
  const e = env();
  if (!e.STUDIO_SECRET_KEY) {
    const why = e.STUDIO_AUTH === "required" ? "STUDIO_AUTH=required" : !isLoopbackHost(e.STUDIO_HOST) ? `STUDIO_HOST=${e.STUDIO_HOST} is not a loopback address` : "DATABASE_URL is PostgreSQL";
    throw new Error(`This is a shared deployment (${why}): sign-in is required and needs STUDIO_SECRET_KEY (32 bytes as base64 or 64 hex characters, e.g. \`openssl rand -base64 32\`). Set it and start again.`);
  }
  console.info(`[flamingo-studio] shared deployment: sign-in required${e.STUDIO_OPEN_SIGNUP ? ", open sign-up" : ", sign-up by invitation"}${e.STUDIO_SHARE_LINKS ? "" : ", share links off"}`);
}
