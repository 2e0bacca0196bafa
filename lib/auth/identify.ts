/**
 * Request → Caller. The credentials, in the order they are tried:
 * 1. local mode: the implicit owner (no credentials exist);
 * 2. `Authorization: Bearer fsk_…`: a workspace API key (unknown or revoked: 401, never a fallback);
 * 3. a share link's token (`X-Studio-Share` header, or `?share=` on GET — how a shared page's images load);
 * 4. the session cookie (Better Auth);
 * otherwise anonymous.
 */
import "server-only";
import { cookies, headers } from "next/headers";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { findShareLink, listMemberships, redeemApiKey } from "@/lib/store/accounts";
import { auth } from "./better-auth";
import type { Caller } from "./caller";
import { authMode } from "./mode";
import { isRole, isScope, type Role } from "./roles";

/** The workspace a signed-in person is working in (a plain preference, checked against their memberships). */
export const WORKSPACE_COOKIE = "studio.workspace";
export const SHARE_HEADER = "x-studio-share";

export function unauthenticated(): AppError {
  return new AppError("unauthorized", "Sign in to use this studio, or send a workspace API key (Authorization: Bearer fsk_…).");
}

function bearer(value: string | null): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value ?? "");
  return m ? m[1]! : null;
}

function cookieValue(cookieHeader: string | null, name: string): string | null {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

async function fromHeaders(h: Headers, shareToken: string | null): Promise<Caller> {
  if (authMode() === "local") return { kind: "local" };
  const key = bearer(h.get("authorization"));
  if (key !== null) {
    const found = await redeemApiKey(key);
    if (!found) throw new AppError("unauthorized", "This API key is unknown or has been revoked: create a new one under Workspace → API keys.");
    return { kind: "api-key", keyId: found.id, workspaceId: found.workspaceId, scopes: found.scopes.filter(isScope), createdById: found.createdById };
  }
  if (shareToken !== null && env().STUDIO_SHARE_LINKS) {
    const link = await findShareLink(shareToken);
    if (link) return { kind: "share", linkId: link.id, workspaceId: link.workspaceId, resourceKind: link.resourceKind, resourceId: link.resourceId };
  }
  const session = await auth().api.getSession({ headers: h });
  if (!session) return { kind: "anonymous" };
  const memberships = await listMemberships(session.user.id);
  const roles = new Map<string, Role>(memberships.filter((m) => isRole(m.role)).map((m) => [m.workspaceId, m.role]));
  const preferred = cookieValue(h.get("cookie"), WORKSPACE_COOKIE);
  return {
    kind: "user",
    userId: session.user.id,
    name: session.user.name,
    email: session.user.email,
    roles,
    activeWorkspaceId: preferred && roles.has(preferred) ? preferred : (memberships[0]?.workspaceId ?? null),
  };
}

/** The caller behind an API or /v1 request. */
export async function callerOf(request: Request): Promise<Caller> {
  const h = request.headers;
  const fromQuery = request.method === "GET" || request.method === "HEAD" ? new URL(request.url).searchParams.get("share") : null;
  return fromHeaders(h, h.get(SHARE_HEADER) ?? fromQuery);
}

/** The caller behind a page render (server components): session or local owner; share pages resolve their token themselves. */
export async function currentCaller(): Promise<Caller> {
  const h = await headers();
  // Reading cookies() marks the render as dynamic, which pages already are (the CSP nonce).
  await cookies();
  return fromHeaders(h, null);
}

/** A share page's caller: the link's token from the URL. */
export async function shareCaller(token: string): Promise<Caller | null> {
  if (!env().STUDIO_SHARE_LINKS) return null;
  const link = await findShareLink(token);
  return link ? { kind: "share", linkId: link.id, workspaceId: link.workspaceId, resourceKind: link.resourceKind, resourceId: link.resourceId } : null;
}
