/**
 * Roles, API-key scopes and the actions they grant: the vocabulary of lib/auth, pure data.
 *
 * A member's role holds in one workspace. An API key belongs to one workspace and carries scopes
 * instead of a role: it can never manage the workspace (members, keys, share links) — that takes a
 * signed-in person.
 */
export const ROLES = ["viewer", "editor", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ["read", "run", "write"] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * - read: see it (lists, pages, exports)
 * - write: create or change it (new versions, imports, forks into it, uploads)
 * - delete: remove it
 * - run: spend model time on it (runs, scores, sweeps, /v1)
 * - manage: the workspace itself (members, invitations, API keys, share links, engines' settings)
 */
export type Action = "read" | "write" | "delete" | "run" | "manage";

const ROLE_ACTIONS: Record<Role, ReadonlySet<Action>> = {
  viewer: new Set(["read"]),
  editor: new Set(["read", "write", "delete", "run"]),
  admin: new Set(["read", "write", "delete", "run", "manage"]),
  owner: new Set(["read", "write", "delete", "run", "manage"]),
};

const SCOPE_ACTIONS: Record<Scope, ReadonlySet<Action>> = {
  read: new Set(["read"]),
  run: new Set(["read", "run"]),
  write: new Set(["read", "write", "delete"]),
};

export const roleAllows = (role: Role, action: Action): boolean => ROLE_ACTIONS[role].has(action);

export const scopesAllow = (scopes: readonly Scope[], action: Action): boolean => scopes.some((s) => SCOPE_ACTIONS[s].has(action));

export const isRole = (value: unknown): value is Role => typeof value === "string" && (ROLES as readonly string[]).includes(value);

export const isScope = (value: unknown): value is Scope => typeof value === "string" && (SCOPES as readonly string[]).includes(value);

/** Who may give which role: owners any, admins up to admin (an admin cannot make or unmake an owner). */
export function mayAssign(actor: Role, target: Role): boolean {
  if (actor === "owner") return true;
  return actor === "admin" && target !== "owner";
}
