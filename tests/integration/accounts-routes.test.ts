/**
 * The account and workspace routes' own rules (who may do them at all is the permission matrix's job):
 * sign-up only with an invitation for the same address (Better Auth's own sign-up is closed), invitations
 * accepted once, owners made and unmade only by owners, the last owner kept, the invite link and the API
 * key's secret answered once, share links only for the workspace's own resources and not when switched
 * off, the workspace cookie only for a member, and no accounts at all in local mode.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as authRoute from "@/app/api/auth/[...all]/route";
import * as accountRoute from "@/app/api/account/route";
import * as signUpRoute from "@/app/api/account/sign-up/route";
import * as acceptRoute from "@/app/api/account/invitations/accept/route";
import * as workspaceRoute from "@/app/api/account/workspace/route";
import * as membersRoute from "@/app/api/workspaces/[id]/members/route";
import * as invitationsRoute from "@/app/api/workspaces/[id]/invitations/route";
import * as keysRoute from "@/app/api/workspaces/[id]/api-keys/route";
import * as shareRoute from "@/app/api/workspaces/[id]/share-links/route";
import * as shareForkRoute from "@/app/api/share/[token]/fork/route";
import { resetEnv } from "@/lib/env";
import { createLibrary, createTemplate } from "@/lib/store";
import { createInvitation, createShareLink, createWorkspace, findOpenInvitation, listMemberships, memberRole, revokeInvitation, revokeShareLink } from "@/lib/store/accounts";
import { BASE, PASSWORD, WORKSPACE_A, invitedUser, signUp, withSharedMode, type SignedUp } from "./support/callers";
import { providers, withStoreDatabase } from "./support/databases";
import { captionDoc } from "./support/fixtures";

type Handler = (request: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>;
const ws = (id: string) => ({ params: Promise.resolve({ id }) });
const noParams = ws("");

function call(method: string, path: string, opts: { cookie?: string; json?: unknown } = {}): Request {
  const headers: Record<string, string> = { origin: BASE };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.json !== undefined) headers["content-type"] = "application/json";
  return new Request(`${BASE}${path}`, { method, headers, body: opts.json === undefined ? null : JSON.stringify(opts.json) });
}

async function errorOf(res: Response): Promise<{ status: number; message: string }> {
  const body = (await res.json()) as { error: { message: string } };
  return { status: res.status, message: body.error.message };
}

describe.each(providers)("account and workspace routes on %s", (provider) => {
  withSharedMode();
  withStoreDatabase(provider);
  let owner: SignedUp;
  let admin: SignedUp;

  beforeAll(async () => {
    owner = await signUp("owner@a.test", "Owner");
    admin = await invitedUser(WORKSPACE_A, "admin@a.test", "admin", owner.id);
  });

  it("closes Better Auth's own sign-up, however the path is spelt", async () => {
    for (const path of ["/api/auth/sign-up/email", "/api/auth/sign-up/email/", "/api/auth//Sign-Up/email"]) {
      const res = await (authRoute.POST as Handler)(call("POST", path, { json: { name: "X", email: "x@a.test", password: PASSWORD } }), noParams);
      const e = await errorOf(res);
      expect(e.status).toBe(403);
      expect(e.message).toContain("/api/account/sign-up");
    }
  });

  it("signs up only with an invitation for the same address, once", async () => {
    const post = (json: unknown) => (signUpRoute.POST as Handler)(call("POST", "/api/account/sign-up", { json }), noParams);
    const stranger = await errorOf(await post({ name: "S", email: "s@a.test", password: PASSWORD }));
    expect(stranger.status).toBe(403);
    expect(stranger.message).toMatch(/invitation/);

    const { token } = await createInvitation({ workspaceId: WORKSPACE_A, email: "new@a.test", role: "editor", invitedById: owner.id });
    expect((await errorOf(await post({ name: "N", email: "other@a.test", password: PASSWORD, invitation: token }))).status).toBe(403);
    expect((await errorOf(await post({ name: "N", email: "new@a.test", password: "short", invitation: token }))).status).toBe(400);

    const ok = await post({ name: "N", email: "New@A.test", password: PASSWORD, invitation: token });
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(ok.headers.getSetCookie().join(";")).toContain("session_token");
    const { user } = (await ok.json()) as { user: { id: string } };
    expect(await memberRole(WORKSPACE_A, user.id)).toBe("editor");

    const again = await errorOf(await post({ name: "N", email: "new@a.test", password: PASSWORD, invitation: token }));
    expect(again.status).toBe(404);
    expect(again.message).toMatch(/expired, been revoked or already been used/);
  });

  it("lets a signed-in person accept an invitation to their own address only", async () => {
    const b = await createWorkspace("Workspace B", owner.id);
    const forAdmin = await createInvitation({ workspaceId: b.id, email: "admin@a.test", role: "viewer", invitedById: owner.id });
    const forSomeoneElse = await createInvitation({ workspaceId: b.id, email: "else@a.test", role: "viewer", invitedById: owner.id });
    const accept = (token: string) => (acceptRoute.POST as Handler)(call("POST", "/api/account/invitations/accept", { cookie: admin.cookie, json: { token } }), noParams);
    expect((await errorOf(await accept(forSomeoneElse.token))).status).toBe(403);
    const res = await accept(forAdmin.token);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()[0]).toMatch(/^studio\.workspace=.*HttpOnly; SameSite=Lax/);
    expect((await listMemberships(admin.id)).map((m) => m.workspaceId)).toContain(b.id);
  });

  it("keeps owners for owners, and the last owner", async () => {
    const editor = await invitedUser(WORKSPACE_A, "ed@a.test", "editor", owner.id);
    const patch = (cookie: string, json: unknown) => (membersRoute.PATCH as Handler)(call("PATCH", `/api/workspaces/${WORKSPACE_A}/members`, { cookie, json }), ws(WORKSPACE_A));
    expect((await errorOf(await patch(admin.cookie, { userId: editor.id, role: "owner" }))).status).toBe(403);
    expect((await errorOf(await patch(admin.cookie, { userId: owner.id, role: "viewer" }))).status).toBe(403);
    const removeOwner = await (membersRoute.DELETE as Handler)(call("DELETE", `/api/workspaces/${WORKSPACE_A}/members?userId=${owner.id}`, { cookie: admin.cookie }), ws(WORKSPACE_A));
    expect(removeOwner.status).toBe(403);
    const last = await errorOf(await patch(owner.cookie, { userId: owner.id, role: "admin" }));
    expect(last.status).toBe(409);
    expect(last.message).toMatch(/at least one owner/);
    const ok = await patch(admin.cookie, { userId: editor.id, role: "viewer" });
    expect(ok.status).toBe(200);
    expect(await memberRole(WORKSPACE_A, editor.id)).toBe("viewer");
  });

  it("answers an invitation's link once, and refuses inviting a member", async () => {
    const post = (json: unknown) => (invitationsRoute.POST as Handler)(call("POST", `/api/workspaces/${WORKSPACE_A}/invitations`, { cookie: admin.cookie, json }), ws(WORKSPACE_A));
    const res = await post({ email: "Invitee@A.test", role: "viewer" });
    expect(res.status).toBe(201);
    const { url, invitation } = (await res.json()) as { url: string; invitation: { email: string } };
    expect(invitation.email).toBe("invitee@a.test");
    expect(url.startsWith(`${BASE}/invite/`)).toBe(true);
    expect(await findOpenInvitation(url.split("/invite/")[1]!)).toMatchObject({ email: "invitee@a.test", role: "viewer" });
    const list = await (invitationsRoute.GET as Handler)(call("GET", `/api/workspaces/${WORKSPACE_A}/invitations`, { cookie: admin.cookie }), ws(WORKSPACE_A));
    expect(await list.text()).not.toContain(url.split("/invite/")[1]!);
    expect((await errorOf(await post({ email: "owner@a.test", role: "viewer" }))).status).toBe(409);
    expect((await errorOf(await post({ email: "x@a.test", role: "owner" }))).status).toBe(403);
    expect((await errorOf(await post({ email: "not an address", role: "viewer" }))).status).toBe(400);
  });

  it("answers an API key's secret once, never in the list", async () => {
    const res = await (keysRoute.POST as Handler)(call("POST", `/api/workspaces/${WORKSPACE_A}/api-keys`, { cookie: admin.cookie, json: { name: "ci", scopes: ["run", "read", "run"] } }), ws(WORKSPACE_A));
    expect(res.status).toBe(201);
    const { secret, key } = (await res.json()) as { secret: string; key: { scopes: string[]; createdBy: string } };
    expect(secret).toMatch(/^fsk_/);
    expect(key.scopes).toEqual(["read", "run"]);
    const list = await (keysRoute.GET as Handler)(call("GET", `/api/workspaces/${WORKSPACE_A}/api-keys`, { cookie: admin.cookie }), ws(WORKSPACE_A));
    expect(await list.text()).not.toContain(secret);
    const none = await (keysRoute.POST as Handler)(call("POST", `/api/workspaces/${WORKSPACE_A}/api-keys`, { cookie: admin.cookie, json: { name: "x", scopes: [] } }), ws(WORKSPACE_A));
    expect((await errorOf(none)).message).toMatch(/at least one scope/);
  });

  describe("share links", () => {
    afterEach(() => {
      delete process.env.STUDIO_SHARE_LINKS;
      resetEnv();
    });
    const post = (json: unknown) => (shareRoute.POST as Handler)(call("POST", `/api/workspaces/${WORKSPACE_A}/share-links`, { cookie: owner.cookie, json }), ws(WORKSPACE_A));

    it("are made for the workspace's own resources only", async () => {
      const own = await createLibrary({ name: `Shared ${provider}` });
      const elsewhere = await createLibrary({ name: `Elsewhere ${provider}`, workspaceId: (await createWorkspace("C", owner.id)).id });
      const res = await post({ resourceKind: "library", resourceId: own.id });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { link: { token: string } }).link.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect((await errorOf(await post({ resourceKind: "library", resourceId: elsewhere.id }))).status).toBe(404);
      expect((await errorOf(await post({ resourceKind: "folder", resourceId: own.id }))).status).toBe(400);
    });

    it("are refused when the deployment switches them off", async () => {
      process.env.STUDIO_SHARE_LINKS = "false";
      resetEnv();
      const own = await createLibrary({ name: `Off ${provider}` });
      const e = await errorOf(await post({ resourceKind: "library", resourceId: own.id }));
      expect(e.status).toBe(403);
      expect(e.message).toMatch(/switched off/);
    });
  });

  it("forks what a share link reaches into the holder's own workspace, until the link is revoked", async () => {
    // Someone outside workspace A, owning workspace B.
    const { invitation } = await createInvitation({ workspaceId: WORKSPACE_A, email: `b-${provider}@b.test`, role: "viewer", invitedById: owner.id });
    const outsider = await signUp(`b-${provider}@b.test`, "Outsider");
    await revokeInvitation(WORKSPACE_A, invitation.id);
    const b = await createWorkspace("B", outsider.id);
    const theirs = await createLibrary({ name: `Mine ${provider}`, workspaceId: b.id });
    const source = await createLibrary({ name: `Source ${provider}` });
    const template = await createTemplate({ libraryId: source.id, document: captionDoc("Shared one") });
    const link = await createShareLink({ workspaceId: WORKSPACE_A, resourceKind: "template", resourceId: template.id, createdById: owner.id });
    const fork = (token: string, libraryId: string) =>
      (shareForkRoute.POST as unknown as (r: Request, c: { params: Promise<{ token: string }> }) => Promise<Response>)(
        call("POST", `/api/share/${token}/fork`, { cookie: outsider.cookie, json: { templateId: template.id, libraryId } }),
        { params: Promise.resolve({ token }) },
      );

    expect((await errorOf(await fork(link.token, source.id))).status).toBe(404); // not theirs to write
    const ok = await fork(link.token, theirs.id);
    expect(ok.status, await ok.clone().text()).toBe(201);
    expect(((await ok.json()) as { template: { libraryId: string; name: string } }).template).toMatchObject({ libraryId: theirs.id, name: "Shared one" });
    await revokeShareLink(WORKSPACE_A, link.id);
    expect((await errorOf(await fork(link.token, theirs.id))).message).toMatch(/revoked/);
  });

  it("sets the workspace cookie only for a member's workspace", async () => {
    const b = await createWorkspace("Not admin's", owner.id);
    const choose = (workspaceId: string) => (workspaceRoute.POST as Handler)(call("POST", "/api/account/workspace", { cookie: admin.cookie, json: { workspaceId } }), noParams);
    expect((await errorOf(await choose(b.id))).status).toBe(404);
    const ok = await choose(WORKSPACE_A);
    expect(ok.headers.getSetCookie()[0]).toMatch(/^studio\.workspace=local; Path=\/; .*HttpOnly; SameSite=Lax/);
    const me = await (accountRoute.GET as Handler)(call("GET", "/api/account", { cookie: admin.cookie }), noParams);
    expect(await me.json()).toMatchObject({ mode: "shared", user: { email: "admin@a.test" }, oidc: { enabled: false } });
  });

  it("has no accounts in local mode", async () => {
    const saved = process.env.STUDIO_AUTH;
    process.env.STUDIO_AUTH = "optional";
    resetEnv();
    try {
      const res = await (authRoute.GET as Handler)(call("GET", "/api/auth/get-session"), noParams);
      expect(await errorOf(res)).toEqual({ status: 404, message: "This studio runs in local mode: there are no accounts." });
      expect(await (await (accountRoute.GET as Handler)(call("GET", "/api/account"), noParams)).json()).toEqual({ mode: "local" });
    } finally {
      process.env.STUDIO_AUTH = saved;
      resetEnv();
    }
  });
});
