/**
 * The permission rules as documented (issue 15; lib/auth/roles.ts and lib/auth/policy.ts's doc comments),
 * written again as a small pure function so the permission matrix test can disagree with lib/auth. It
 * deliberately imports nothing from lib/auth: an expectation computed by the code under test cannot fail.
 *
 * Outcomes: "ok" (got past authorization: anything but 401/403/404), "401" (no or bad credentials), "403"
 * (can see it, may not do this), "404" (may not see it: the same answer as an unknown id).
 */
import type { CallerSpec } from "./callers";

export type Action = "read" | "write" | "delete" | "run" | "manage";
export type PlacedKind = "library" | "template" | "notebook" | "dataset" | "sweep";
/**
 * What a request names: workspace A's resource (inside the shared library A), one of A's outside the shared
 * library ("A-unshared"), the Examples library's, the bundled engine, or nothing ("home": the request names no
 * workspace, so what it makes goes to the caller's own).
 */
export type Variant = "A" | "A-unshared" | "B" | "examples" | "bundled" | "home";
export type Outcome = "ok" | "401" | "403" | "404";

/** One thing a route must be allowed to do for the request to go through. */
export type Check =
  /** Nobody is identified (health, Better Auth's own routes): everyone gets through, a revoked key too. */
  | { public: "open" }
  /** Anyone gets through, but credentials that are sent are checked (a revoked key is 401). */
  | { public: "identified" }
  /** A signed-in person (not a key, not a link); "member-of-A": and a member of workspace A (else 404). */
  | { signedIn: "any" | "member-of-A" }
  /**
   * Lists and creations need a person or an API key: anonymous callers and share-link holders (who may open only
   * what their link names) get 401 before anything else (lib/auth/authorize.ts requireIdentified).
   */
  | { identified: true }
  /** A list, filtered to what the caller may read (with `identified`: a person or a key gets an answer). */
  | { list: true }
  /** A library-held resource: the request's variant (A's, Examples'), or the one `where` names whatever the variant. */
  | { kind: PlacedKind; action: Action; where?: "A" | "A-unshared" | "B" }
  /**
   * A share link named in the request's path (not its credentials): whether it reaches what the request reads.
   * Looked at before the caller is identified, so a link that does not reach it is 404 for everyone.
   */
  | { link: "reaches" | "misses" }
  /** A stored engine of A (variant A) or the bundled engine (variant bundled). */
  | { kind: "engine"; action: Action }
  /** An image (content-addressed, shared across workspaces). */
  | { kind: "asset"; action: Action }
  /** Model work not tied to a stored resource. */
  | { kind: "model"; action: "read" | "run" }
  /** Workspace A itself (members, invitations, keys, share links; new libraries in it). */
  | { kind: "workspace"; action: Action }
  /** Something new in the caller's own (home) workspace, which the request does not name. */
  | { kind: "home"; action: Action };

const ROLE_ACTIONS: Record<string, readonly Action[]> = {
  viewer: ["read"],
  editor: ["read", "write", "delete", "run"],
  admin: ["read", "write", "delete", "run", "manage"],
  owner: ["read", "write", "delete", "run", "manage"],
};
const SCOPE_ACTIONS: Record<string, readonly Action[]> = { read: ["read"], run: ["read", "run"], write: ["read", "write", "delete"] };

const roleAllows = (role: string | undefined, action: Action) => role !== undefined && ROLE_ACTIONS[role]!.includes(action);
const scopesAllow = (scopes: readonly string[], action: Action) => scopes.some((s) => SCOPE_ACTIONS[s]!.includes(action));
const one = (o: Outcome): Outcome[] => [o];

/** The caller's standing in workspace A or B: role or key scopes, or not there at all (404). */
function inWorkspace(c: CallerSpec, ws: "A" | "B", action: Action): Outcome[] {
  switch (c.kind) {
    case "anonymous":
    case "revoked-key":
      return one("401");
    case "user": {
      const role = c.roles[ws];
      if (!role) return one("404");
      return one(roleAllows(role, action) ? "ok" : "403");
    }
    case "api-key":
      return one(ws !== "A" ? "404" : scopesAllow(c.scopes, action) ? "ok" : "403");
    case "share":
      return one("404");
  }
}

/** Allowed to do `action` in some workspace (work not tied to a stored resource). A link may only read. */
function inAnyWorkspace(c: CallerSpec, action: Action): Outcome[] {
  switch (c.kind) {
    case "anonymous":
    case "revoked-key":
      return one("401");
    case "user":
      return one(Object.values(c.roles).some((r) => roleAllows(r, action)) ? "ok" : "403");
    case "api-key":
      return one(scopesAllow(c.scopes, action) ? "ok" : "403");
    case "share":
      return one(action === "read" ? "ok" : "403");
  }
}

/** Library-held resources: the share link reaches library A and what it holds; Examples is read (and run) only. */
function placed(c: CallerSpec, action: Action, where: Variant): Outcome[] {
  if (c.kind === "anonymous" || c.kind === "revoked-key") return one("401");
  if (c.kind === "share") return one(where !== "A" ? "404" : action === "read" ? "ok" : "403");
  if (where === "examples") return action === "read" || action === "run" ? inAnyWorkspace(c, action) : one("403");
  return inWorkspace(c, where === "B" ? "B" : "A", action);
}

function check(c: CallerSpec, k: Check, variant: Variant): Outcome[] {
  if ("public" in k) return one(k.public === "identified" && c.kind === "revoked-key" ? "401" : "ok");
  if ("link" in k) return one(k.link === "reaches" ? "ok" : "404");
  if (c.kind === "anonymous" || c.kind === "revoked-key") return one("401");
  if ("signedIn" in k) {
    if (c.kind !== "user") return one("403");
    return one(k.signedIn === "any" || c.roles.A ? "ok" : "404");
  }
  if ("identified" in k) return one(c.kind === "share" ? "401" : "ok");
  if ("list" in k) return one("ok");
  switch (k.kind) {
    case "library":
    case "template":
    case "notebook":
    case "dataset":
      return placed(c, k.action, k.where ?? variant);
    case "sweep":
      // A sweep lives in the workspace that started it (A here, whether its dataset is A's or Examples'); no link reaches it.
      if (c.kind === "share") return one("404");
      return inWorkspace(c, (k.where ?? variant) === "B" ? "B" : "A", k.action);
    case "engine": {
      // Engines' settings are the workspace's: changing or deleting one is "manage".
      const needed: Action = k.action === "write" || k.action === "delete" ? "manage" : k.action;
      if (variant !== "bundled") return inWorkspace(c, "A", needed);
      // The bundled engine serves everyone who may run models; those who may manage somewhere may ask to
      // change it (the registry then answers that it is read-only: 409, past authorization). Links see no engines.
      if (c.kind === "share") return one("404");
      return inAnyWorkspace(c, needed);
    }
    case "asset":
      if (k.action === "read") return one("ok");
      return inAnyWorkspace(c, k.action === "delete" ? "manage" : k.action);
    case "model":
      if (c.kind === "share" && k.action === "run") return one("403");
      return inAnyWorkspace(c, k.action);
    case "workspace":
      if (k.action === "manage" && c.kind === "api-key") return one("403"); // keys never manage
      return inWorkspace(c, "A", k.action);
    case "home":
      if (c.kind === "share") return ["403", "404"]; // a link has no workspace of its own: refused either way
      // A person's home is their (first) workspace: A for A's members, B for B's owner.
      if (c.kind === "user") return one(roleAllows(c.roles.A ?? c.roles.B, k.action) ? "ok" : "403");
      return one(scopesAllow(c.scopes, k.action) ? "ok" : "403");
  }
}

/**
 * What the request should get: "ok" when every check passes; otherwise one of the refusals of the checks
 * that fail (which one depends on the order the route checks them in, which is the route's business).
 */
export function expectedOutcomes(caller: CallerSpec, checks: readonly Check[], variant: Variant, method: string): Outcome[] {
  // A share link's token in the query counts on GET only; otherwise the request carries no credentials.
  const c: CallerSpec = caller.kind === "share" && caller.via === "query" && method !== "GET" && method !== "HEAD" ? { name: caller.name, kind: "anonymous" } : caller;
  // A link in the path is looked at first: one that does not reach the resource is 404 whoever asks.
  const link = checks.find((k) => "link" in k);
  if (link && "link" in link && link.link === "misses") return ["404"];
  const results = checks.map((k) => check(c, k, variant));
  const refusals = [...new Set(results.flat().filter((o) => o !== "ok"))];
  if (refusals.length === 0) return ["ok"];
  // Credentials are looked at before anything else.
  if (refusals.includes("401")) return ["401"];
  return refusals.sort();
}

/** Whether a list answered to this caller may show workspace A's (non-Examples) resources. */
export function seesWorkspaceA(c: CallerSpec): boolean {
  return (c.kind === "user" && c.roles.A !== undefined) || c.kind === "api-key";
}

export function outcomeOf(status: number): Outcome {
  return status === 401 ? "401" : status === 403 ? "403" : status === 404 ? "404" : "ok";
}
