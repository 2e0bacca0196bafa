/**
 * THE authorization rules: one function per resource kind, pure (the caller and where the resource
 * lives in, a decision out). Routes never decide for themselves; they ask lib/auth/authorize.ts, which
 * loads where the resource lives and asks here.
 *
 * A caller who may not see a resource gets "hidden" (404), never "denied" (403): a 403 would confirm
 * that the id exists. "denied" is only for what the caller can already see but may not do (a viewer
 * editing, a read-only key writing, anyone changing the Examples library).
 */
import type { Caller, ShareKind } from "./caller";
import { roleAllows, scopesAllow, type Action } from "./roles";

export type Decision =
  | { allow: true }
  | { allow: false; reason: "unauthenticated" | "hidden" | "denied"; message?: string };

const ALLOW: Decision = { allow: true };
const HIDDEN: Decision = { allow: false, reason: "hidden" };
const UNAUTHENTICATED: Decision = { allow: false, reason: "unauthenticated" };
const denied = (message?: string): Decision => ({ allow: false, reason: "denied", message });

/** Where a library-held resource lives: its workspace, and which share links reach it. */
export interface Placement {
  workspaceId: string;
  /** The Examples library and everything in it: readable by everyone, changed by no one. */
  examples: boolean;
  /** The shareable resources that contain it (itself included), e.g. { library: L, template: T }. */
  sharedVia: Partial<Record<ShareKind, string>>;
}

/** The caller's standing in one workspace: what its role or key scopes allow, or nothing (not a member). */
function inWorkspace(caller: Caller, workspaceId: string, action: Action): Decision {
  switch (caller.kind) {
    case "anonymous":
      return UNAUTHENTICATED;
    case "local":
      return ALLOW;
    case "user": {
      const role = caller.roles.get(workspaceId);
      if (!role) return HIDDEN;
      return roleAllows(role, action) ? ALLOW : denied(`Your role in this workspace is ${role}; ${verb(action)} needs ${neededRole(action)}.`);
    }
    case "api-key":
      if (caller.workspaceId !== workspaceId) return HIDDEN;
      return scopesAllow(caller.scopes, action) ? ALLOW : denied(`This API key's scopes (${caller.scopes.join(", ") || "none"}) do not allow ${verb(action)}.`);
    case "share":
      return HIDDEN;
  }
}

/** Whether the caller may do `action` in at least one workspace (work not tied to a stored resource). */
function inAnyWorkspace(caller: Caller, action: Action): Decision {
  switch (caller.kind) {
    case "anonymous":
      return UNAUTHENTICATED;
    case "local":
      return ALLOW;
    case "user":
      if ([...caller.roles.values()].some((role) => roleAllows(role, action))) return ALLOW;
      return denied(caller.roles.size === 0 ? "You are not a member of any workspace yet: ask an admin for an invitation." : `${verb(action)} needs ${neededRole(action)} in a workspace.`);
    case "api-key":
      return scopesAllow(caller.scopes, action) ? ALLOW : denied(`This API key's scopes (${caller.scopes.join(", ") || "none"}) do not allow ${verb(action)}.`);
    case "share":
      return action === "read" ? ALLOW : denied("A share link is read-only: sign in to do more.");
  }
}

function verb(action: Action): string {
  return { read: "reading", write: "changing", delete: "deleting", run: "running models", manage: "managing the workspace" }[action];
}

function neededRole(action: Action): string {
  return action === "read" ? "viewer or above" : action === "manage" ? "admin or owner" : "editor or above";
}

/** Libraries and what they hold: templates, notebooks, datasets, sweeps (each placed by its library). */
function placed(caller: Caller, action: Action, place: Placement): Decision {
  if (caller.kind === "share") {
    const reached = place.sharedVia[caller.resourceKind] === caller.resourceId;
    if (!reached) return HIDDEN;
    return action === "read" ? ALLOW : denied("A share link is read-only: sign in and fork it to change it.");
  }
  if (place.examples) {
    if (action === "read" || action === "run") return caller.kind === "anonymous" ? UNAUTHENTICATED : inAnyWorkspace(caller, action);
    return denied("The Examples library is read-only for everyone: fork it to change it (fork its templates into one of your libraries).");
  }
  return inWorkspace(caller, place.workspaceId, action);
}

export const canLibrary = (caller: Caller, action: Action, place: Placement): Decision => placed(caller, action, place);
export const canTemplate = (caller: Caller, action: Action, place: Placement): Decision => placed(caller, action, place);
export const canNotebook = (caller: Caller, action: Action, place: Placement): Decision => placed(caller, action, place);
export const canDataset = (caller: Caller, action: Action, place: Placement): Decision => placed(caller, action, place);
/** A sweep is placed in the workspace that started it (its dataset may be Examples); running one (start, retry, cancel) is "run". */
export const canSweep = (caller: Caller, action: Action, place: Placement): Decision => placed(caller, action, place);

/**
 * Engines: a stored engine belongs to a workspace (members read and run it, admins change it);
 * bundled and deployment-declared engines (workspaceId null) serve everyone who may run models, and
 * admins may ask to change them — the registry then answers that they are read-only (409).
 */
export function canEngine(caller: Caller, action: Action, engine: { workspaceId: string | null }): Decision {
  const needed: Action = action === "write" || action === "delete" ? "manage" : action;
  if (engine.workspaceId === null) {
    if (caller.kind === "share") return HIDDEN;
    if (caller.kind === "api-key" && needed === "manage") return denied("API keys cannot change engines: sign in as an admin.");
    return inAnyWorkspace(caller, needed);
  }
  return inWorkspace(caller, engine.workspaceId, needed);
}

/**
 * Images are content-addressed (the id is the SHA-256 of the bytes) and shared across workspaces:
 * knowing an id means having had the image. Anyone identified may read one (share-link pages show
 * theirs); uploading needs write somewhere; deleting an unused image needs manage somewhere.
 */
export function canAsset(caller: Caller, action: Action): Decision {
  if (caller.kind === "anonymous") return UNAUTHENTICATED;
  if (action === "read") return ALLOW;
  return inAnyWorkspace(caller, action === "delete" ? "manage" : action);
}

/** Model work not tied to a stored resource (playground runs, scores, /v1): run somewhere. Rendering a prompt: read. */
export function canModel(caller: Caller, action: "run" | "read"): Decision {
  if (caller.kind === "share" && action === "run") return denied("A share link is read-only: sign in to run models.");
  return inAnyWorkspace(caller, action);
}

/** The workspace itself: members see its members; admins and owners manage members, keys, share links. API keys never manage. */
export function canWorkspace(caller: Caller, action: Action, workspaceId: string): Decision {
  if (action === "manage" && caller.kind === "api-key") return caller.workspaceId === workspaceId ? denied("API keys cannot manage a workspace: sign in as an admin.") : HIDDEN;
  return inWorkspace(caller, workspaceId, action);
}
