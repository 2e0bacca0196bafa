/**
 * Local or shared: the one switch between "a studio on my laptop" (no accounts, one implicit owner) and
 * "a team deployment" (sign-in required for everything but health checks and share links).
 *
 * Shared whenever any of these holds, so that a deployment cannot end up open by forgetting a flag:
 * - STUDIO_AUTH=required;
 * - DATABASE_URL is PostgreSQL (the team database);
 * - STUDIO_HOST (the address scripts/start.sh listens on) is not a loopback address: local mode is
 *   never served beyond this machine.
 * The deployment's configuration decides, not the database a test points the store at.
 */
import "server-only";
import { env } from "@/lib/env";

export type AuthMode = "local" | "shared";

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || /^127(?:\.\d{1,3}){3}$/.test(h);
}

export function authMode(): AuthMode {
  const e = env();
  if (e.STUDIO_AUTH === "required") return "shared";
  if (/^postgres(ql)?:\/\//i.test(process.env.DATABASE_URL?.trim() ?? "")) return "shared";
  if (!isLoopbackHost(e.STUDIO_HOST)) return "shared";
  return "local";
}

export const isSharedDeployment = (): boolean => authMode() === "shared";
