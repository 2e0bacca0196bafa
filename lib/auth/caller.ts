/**
 * Who is asking. Every request is resolved to exactly one Caller (lib/auth/identify.ts) before any
 * route decides anything; the policy (lib/auth/policy.ts) looks only at this.
 */
import type { Role, Scope } from "./roles";

/** The local workspace: the only one in local mode; the first account's in a shared deployment. */
export const LOCAL_WORKSPACE_ID = "local";

export type ShareKind = "library" | "template" | "notebook";

export type Caller =
  /** Local mode: whoever runs the studio on their own machine owns the local workspace. */
  | { kind: "local" }
  /** A signed-in person: their role in each workspace they belong to. */
  | { kind: "user"; userId: string; name: string; email: string; roles: ReadonlyMap<string, Role>; activeWorkspaceId: string | null }
  /** A workspace API key (Authorization: Bearer fsk_…): its scopes in its one workspace. */
  | { kind: "api-key"; keyId: string; workspaceId: string; scopes: readonly Scope[]; createdById: string | null }
  /** Someone holding a share link: read-only access to that one resource (and what it contains). */
  | { kind: "share"; linkId: string; workspaceId: string; resourceKind: ShareKind; resourceId: string }
  /** No credentials, in a deployment that requires them. */
  | { kind: "anonymous" };

/** The user id to record as the author of what this caller makes (null: local mode, or a key without a creator). */
export function authorId(caller: Caller): string | null {
  if (caller.kind === "user") return caller.userId;
  if (caller.kind === "api-key") return caller.createdById;
  return null;
}

/** The workspaces whose content the caller may list (null: every workspace, local mode). */
export function readableWorkspaces(caller: Caller): string[] | null {
  switch (caller.kind) {
    case "local":
      return null;
    case "user":
      return [...caller.roles.keys()];
    case "api-key":
      return [caller.workspaceId];
    case "share":
    case "anonymous":
      return [];
  }
}

/** Where this caller's new libraries and engines go when the request names no workspace. */
export function homeWorkspace(caller: Caller): string | null {
  switch (caller.kind) {
    case "local":
      return LOCAL_WORKSPACE_ID;
    case "user":
      if (caller.activeWorkspaceId && caller.roles.has(caller.activeWorkspaceId)) return caller.activeWorkspaceId;
      return caller.roles.keys().next().value ?? null;
    case "api-key":
      return caller.workspaceId;
    default:
      return null;
  }
}
