/**
 * Who calls, for tests of a shared deployment: the deployment switch (STUDIO_AUTH=required with a secret
 * key), people signed up through Better Auth (each with the session cookie it answered), workspace API keys
 * and share links — made the way the product makes them (lib/auth/better-auth.ts, lib/store/accounts.ts),
 * and the headers each kind of caller sends.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { auth } from "@/lib/auth/better-auth";
import { resetSecrets } from "@/lib/engines/secrets";
import { resetEnv } from "@/lib/env";
import { acceptInvitation, createApiKey, createInvitation, createShareLink, createWorkspace, revokeApiKey, revokeInvitation, revokeShareLink, type StoredRole, type StoredScope } from "@/lib/store/accounts";

export const BASE = "http://studio.test";
/** The local workspace: the first account owns it (lib/auth/caller.ts LOCAL_WORKSPACE_ID). */
export const WORKSPACE_A = "local";
export const PASSWORD = "correct horse battery staple";

const SHARED_ENV: Record<string, string | undefined> = {
  STUDIO_AUTH: "required",
  STUDIO_SECRET_KEY: randomBytes(32).toString("hex"),
  STUDIO_OPEN_SIGNUP: undefined,
  STUDIO_SHARE_LINKS: undefined,
  STUDIO_ALLOWED_HOSTS: undefined,
  STUDIO_ALLOWED_ORIGINS: undefined,
  STUDIO_PUBLIC_URL: undefined,
};

/** A shared deployment for the enclosing describe block (the environment is restored afterwards). */
export function withSharedMode(): void {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [k, v] of Object.entries(SHARED_ENV)) {
      saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnv();
    resetSecrets();
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnv();
    resetSecrets();
  });
}

export interface SignedUp {
  id: string;
  email: string;
  /** The Cookie header value that carries the session. */
  cookie: string;
}

/** An account through Better Auth's e-mail sign-up (the hook decides who may), with its session cookie. */
export async function signUp(email: string, name: string): Promise<SignedUp> {
  const res = await auth().api.signUpEmail({ body: { email, password: PASSWORD, name }, asResponse: true });
  const text = await res.text();
  if (!res.ok) throw new Error(`sign-up of ${email} answered ${res.status}: ${text}`);
  const body = JSON.parse(text) as { user: { id: string } };
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .join("; ");
  if (!cookie.includes("session_token")) throw new Error(`sign-up of ${email} set no session cookie: ${res.headers.getSetCookie().join(" | ")}`);
  return { id: body.user.id, email, cookie };
}

/** A later account: invited first (the sign-up hook refuses others), then joined with `role` through the invitation. */
export async function invitedUser(workspaceId: string, email: string, role: StoredRole, invitedById: string): Promise<SignedUp> {
  const { invitation } = await createInvitation({ workspaceId, email, role, invitedById });
  const user = await signUp(email, email.split("@")[0]!);
  await acceptInvitation(invitation.id, user.id);
  return user;
}

export type CallerName =
  | "anonymous"
  | "viewer"
  | "editor"
  | "admin"
  | "owner"
  | "key:read"
  | "key:run"
  | "key:write"
  | "key:revoked"
  | "other-workspace"
  | "share-link"
  | "share-link:query"
  | "share-link:revoked";

/** What a caller is, for the expectations (no credentials here). */
export type CallerSpec =
  | { name: CallerName; kind: "anonymous" }
  /** A signed-in person and their role per workspace ("A": the local workspace, "B": another one). */
  | { name: CallerName; kind: "user"; roles: Partial<Record<"A" | "B", StoredRole>> }
  /** An API key of workspace A. */
  | { name: CallerName; kind: "api-key"; scopes: StoredScope[] }
  | { name: CallerName; kind: "revoked-key" }
  /** Holds a share link to library A: sent as X-Studio-Share, or as ?share= (honoured on GET only: how a shared page's images load). */
  | { name: CallerName; kind: "share"; via: "header" | "query" };

export interface TestCaller {
  spec: CallerSpec;
  /** Short column label for the printed matrix. */
  label: string;
  user?: SignedUp;
  /** The workspace this person belongs to, and their role there (signed-in callers only). */
  home?: { workspaceId: string; role: StoredRole };
  headers(method: string): Record<string, string>;
  /** Query parameters this caller adds to the URL (a share link's token as ?share=). */
  query?: Record<string, string>;
}

export interface Identities {
  callers: TestCaller[];
  owner: SignedUp;
  workspaceB: string;
  /** A member of A that the member routes may re-role and remove (re-added before each request). */
  victim: SignedUp;
  /** The share link's token (to library A) and id. */
  share: { id: string; token: string };
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Browsers send Origin on writes; a cookie- or link-carrying request from the studio's own page is same-origin. */
const browser = (method: string, extra: Record<string, string>) => (UNSAFE.has(method) ? { origin: BASE, ...extra } : extra);

/**
 * Workspace A ("local", owned by the first account) with a viewer, an editor and an admin; workspace B owned
 * by someone who is not in A; API keys of A with each scope and a revoked one; a share link to `libraryA`.
 */
export async function createIdentities(libraryA: string): Promise<Identities> {
  const owner = await signUp("owner@a.test", "Owner A");
  const admin = await invitedUser(WORKSPACE_A, "admin@a.test", "admin", owner.id);
  const editor = await invitedUser(WORKSPACE_A, "editor@a.test", "editor", owner.id);
  const viewer = await invitedUser(WORKSPACE_A, "viewer@a.test", "viewer", owner.id);
  const victim = await invitedUser(WORKSPACE_A, "victim@a.test", "viewer", owner.id);
  // B's owner needs an invitation to sign up at all; it is revoked once they have their own workspace.
  const { invitation } = await createInvitation({ workspaceId: WORKSPACE_A, email: "owner@b.test", role: "viewer", invitedById: owner.id });
  const other = await signUp("owner@b.test", "Owner B");
  await revokeInvitation(WORKSPACE_A, invitation.id);
  const workspaceB = (await createWorkspace("Workspace B", other.id)).id;

  const key = async (scopes: StoredScope[]) => (await createApiKey({ workspaceId: WORKSPACE_A, name: `key ${scopes.join("+")}`, scopes, createdById: owner.id })).secret;
  const revoked = await createApiKey({ workspaceId: WORKSPACE_A, name: "revoked", scopes: ["read", "run", "write"], createdById: owner.id });
  await revokeApiKey(WORKSPACE_A, revoked.key.id);
  const link = await createShareLink({ workspaceId: WORKSPACE_A, resourceKind: "library", resourceId: libraryA, createdById: owner.id });
  const revokedLink = await createShareLink({ workspaceId: WORKSPACE_A, resourceKind: "library", resourceId: libraryA, createdById: owner.id });
  await revokeShareLink(WORKSPACE_A, revokedLink.id);

  const person = (name: CallerName, label: string, user: SignedUp, roles: Partial<Record<"A" | "B", StoredRole>>): TestCaller => {
    const [ws, role] = Object.entries(roles)[0] as ["A" | "B", StoredRole];
    return { spec: { name, kind: "user", roles }, label, user, home: { workspaceId: ws === "A" ? WORKSPACE_A : workspaceB, role }, headers: (m) => browser(m, { cookie: user.cookie }) };
  };
  const bearer = (name: CallerName, label: string, secret: string, scopes: StoredScope[] | null): TestCaller => ({
    spec: scopes ? { name, kind: "api-key", scopes } : { name, kind: "revoked-key" },
    label,
    headers: () => ({ authorization: `Bearer ${secret}` }),
  });
  const callers: TestCaller[] = [
    { spec: { name: "anonymous", kind: "anonymous" }, label: "anon", headers: (m) => browser(m, {}) },
    person("viewer", "view", viewer, { A: "viewer" }),
    person("editor", "edit", editor, { A: "editor" }),
    person("admin", "admin", admin, { A: "admin" }),
    person("owner", "owner", owner, { A: "owner" }),
    bearer("key:read", "kRead", await key(["read"]), ["read"]),
    bearer("key:run", "kRun", await key(["run"]), ["run"]),
    bearer("key:write", "kWrit", await key(["write"]), ["write"]),
    bearer("key:revoked", "kRevk", revoked.secret, null),
    person("other-workspace", "othrB", other, { B: "owner" }),
    { spec: { name: "share-link", kind: "share", via: "header" }, label: "share", headers: (m) => browser(m, { "x-studio-share": link.token }) },
    { spec: { name: "share-link:query", kind: "share", via: "query" }, label: "shareQ", headers: (m) => browser(m, {}), query: { share: link.token } },
    // A revoked link identifies no one: the holder is anonymous.
    { spec: { name: "share-link:revoked", kind: "anonymous" }, label: "shareR", headers: (m) => browser(m, { "x-studio-share": revokedLink.token }) },
  ];
  return { callers, owner, workspaceB, victim, share: { id: link.id, token: link.token } };
}
