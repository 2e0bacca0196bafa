/** The workspace settings' calls to /api/workspaces/:id/… (browser side). */
import { apiFetch, postJson } from "@/lib/api-client";
import type { ApiKeySummary, InvitationSummary, MemberSummary, ShareLinkSummary, StoredRole, StoredScope } from "./types";

const base = (workspaceId: string, what: string) => `/api/workspaces/${encodeURIComponent(workspaceId)}/${what}`;
const withParam = (url: string, name: string, value: string) => `${url}?${name}=${encodeURIComponent(value)}`;

export const setRole = (ws: string, userId: string, role: StoredRole) => postJson<{ members: MemberSummary[] }>(base(ws, "members"), { userId, role }, "PATCH");
export const removeMember = (ws: string, userId: string) => apiFetch<{ members: MemberSummary[] }>(withParam(base(ws, "members"), "userId", userId), { method: "DELETE" });

export const invite = (ws: string, email: string, role: StoredRole) => postJson<{ invitation: InvitationSummary; url: string }>(base(ws, "invitations"), { email, role });
export const revokeInvitation = (ws: string, id: string) => apiFetch<{ invitations: InvitationSummary[] }>(withParam(base(ws, "invitations"), "id", id), { method: "DELETE" });

export const createKey = (ws: string, name: string, scopes: StoredScope[]) => postJson<{ key: ApiKeySummary; secret: string }>(base(ws, "api-keys"), { name, scopes });
export const revokeKey = (ws: string, id: string) => apiFetch<{ keys: ApiKeySummary[] }>(withParam(base(ws, "api-keys"), "id", id), { method: "DELETE" });

export function listLinks(ws: string, filter: { resourceKind?: string; resourceId?: string } = {}) {
  const q = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => Boolean(e[1])));
  return apiFetch<{ links: ShareLinkSummary[]; enabled: boolean }>(`${base(ws, "share-links")}${q.size > 0 ? `?${q}` : ""}`);
}
export const createLink = (ws: string, resourceKind: string, resourceId: string) => postJson<{ link: ShareLinkSummary }>(base(ws, "share-links"), { resourceKind, resourceId });
export const revokeLink = (ws: string, id: string) => apiFetch<{ links: ShareLinkSummary[] }>(withParam(base(ws, "share-links"), "id", id), { method: "DELETE" });

/** A share link's page on this studio. */
export const shareUrl = (token: string) => `${window.location.origin}/share/${token}`;
