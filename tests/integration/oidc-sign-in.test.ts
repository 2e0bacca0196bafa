/**
 * Signing in with the deployment's OpenID Connect provider, the whole way a browser goes: POST
 * /api/auth/sign-in/social { provider: "oidc" } on our route handler → the provider's /authorize (a real
 * provider on 127.0.0.1, tests/support/oidc-provider.ts, PKCE S256, RS256 id_token with nonce) → GET
 * /api/auth/callback/oidc on our route handler with its code, state and the cookies it set → a session
 * cookie that callerOf() resolves.
 *
 * Who gets an account and a workspace is our rule (lib/auth/better-auth.ts): the first person owns the
 * local workspace; later ones need an invitation for their address; an invitation is joined on first
 * sign-in only when the provider says the address is verified (else the invitation link still works).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as authRoute from "@/app/api/auth/[...all]/route";
import * as acceptRoute from "@/app/api/account/invitations/accept/route";
import { callerOf } from "@/lib/auth";
import type { Caller } from "@/lib/auth/caller";
import { INVITATION_ONLY } from "@/lib/auth/better-auth";
import { resetEnv } from "@/lib/env";
import { db } from "@/lib/store/db";
import { countUsers, createInvitation, findOpenInvitation, listMemberships, memberRole } from "@/lib/store/accounts";
import { startOidcProvider, type OidcPerson, type OidcProvider } from "../support/oidc-provider";
import { WORKSPACE_A, withSharedMode } from "./support/callers";
import { providers, withStoreDatabase } from "./support/databases";

const BASE = "http://127.0.0.1:3000";
const CALLBACK = `${BASE}/api/auth/callback/oidc`;
const OIDC_ENV = ["STUDIO_OIDC_ISSUER", "STUDIO_OIDC_CLIENT_ID", "STUDIO_OIDC_CLIENT_SECRET"] as const;

/** Cookie header value from Set-Cookie lines (cookies being cleared are left out). */
function cookieHeader(setCookies: string[]): string {
  return setCookies
    .map((c) => c.split(";")[0]!)
    .filter((pair) => !pair.endsWith("="))
    .join("; ");
}

interface SignInResult {
  /** Where our callback sent the browser. */
  location: URL;
  /** The Cookie header the browser would send next (session cookie included on success). */
  cookie: string;
  setCookies: string[];
}

type Handler = (request: Request) => Promise<Response>;
const GET = authRoute.GET as Handler;
const POST = authRoute.POST as Handler;

/**
 * One sign-in through the provider as `person`. Each person is a different browser (own client address:
 * Better Auth limits sign-in starts per address), and a browser keeps the cookies each step sets.
 */
async function signIn(idp: OidcProvider, person: OidcPerson, client: string, opts: { dropStateCookie?: boolean } = {}): Promise<SignInResult> {
  idp.signInAs(person);
  const browser = { "x-forwarded-for": client };
  const start = await POST(
    new Request(`${BASE}/api/auth/sign-in/social`, {
      method: "POST",
      headers: { ...browser, origin: BASE, "content-type": "application/json" },
      body: JSON.stringify({ provider: "oidc", callbackURL: "/", errorCallbackURL: "/sign-in" }),
    }),
  );
  const startText = await start.text();
  expect(start.status, startText).toBe(200);
  const { url, redirect } = JSON.parse(startText) as { url: string; redirect: boolean };
  expect(redirect).toBe(true);
  expect(url.startsWith(`${idp.issuer}/authorize?`), url).toBe(true);
  const stateCookies = start.headers.getSetCookie();

  const authorize = await fetch(url, { redirect: "manual" });
  expect(authorize.status, `${await authorize.clone().text()} ${idp.refusals.join("; ")}`).toBe(302);
  const back = authorize.headers.get("location")!;
  expect(back.startsWith(`${CALLBACK}?`), back).toBe(true);

  const callback = await GET(new Request(back, { headers: { ...browser, cookie: opts.dropStateCookie ? "" : cookieHeader(stateCookies) } }));
  expect(callback.status, `${await callback.clone().text()} ${idp.refusals.join("; ")}`).toBe(302);
  const setCookies = callback.headers.getSetCookie();
  return { location: new URL(callback.headers.get("location")!, BASE), cookie: cookieHeader(setCookies), setCookies };
}

async function callerWith(cookie: string): Promise<Caller> {
  return callerOf(new Request(`${BASE}/api/libraries`, { headers: { cookie } }));
}

async function userRow(email: string): Promise<{ id: string; emailVerified: boolean } | null> {
  return db().user.findUnique({ where: { email: email.toLowerCase() }, select: { id: true, emailVerified: true } });
}

describe.each(providers)("OpenID Connect sign-in on %s", (provider) => {
  withSharedMode();
  withStoreDatabase(provider);
  let idp: OidcProvider;
  const saved: Partial<Record<(typeof OIDC_ENV)[number], string>> = {};
  let ownerId = "";
  // Better Auth's sign-in rate limit (3 per 10 s per address) is process-wide: each person, on each provider, browses from their own address.
  const client = (n: number) => `198.51.100.${providers.indexOf(provider) * 10 + n}`;

  beforeAll(async () => {
    idp = await startOidcProvider();
    for (const k of OIDC_ENV) saved[k] = process.env[k];
    process.env.STUDIO_OIDC_ISSUER = idp.issuer;
    process.env.STUDIO_OIDC_CLIENT_ID = idp.clientId;
    process.env.STUDIO_OIDC_CLIENT_SECRET = idp.clientSecret;
    resetEnv();
  });
  afterAll(async () => {
    for (const k of OIDC_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    resetEnv();
    await idp?.close();
  });

  it("makes the first person to sign in owner of the local workspace, and signs them in again as the same account", async () => {
    expect(await countUsers()).toBe(0);
    const alice: OidcPerson = { sub: "alice-sub", email: "alice@a.test", emailVerified: true, name: "Alice" };
    const first = await signIn(idp, alice, client(1));
    expect(first.location.pathname, first.location.href).toBe("/");
    expect(first.cookie).toMatch(/(^|; )studio\.session_token=/);

    const caller = await callerWith(first.cookie);
    expect(caller).toMatchObject({ kind: "user", email: "alice@a.test", name: "Alice", activeWorkspaceId: WORKSPACE_A });
    if (caller.kind !== "user") throw new Error("unreachable");
    expect([...caller.roles]).toEqual([[WORKSPACE_A, "owner"]]);
    ownerId = caller.userId;

    // What the provider saw: PKCE S256, the OpenID scopes, a nonce (bound into the id_token), the code redeemed.
    const seen = idp.authorizations.at(-1)!;
    expect(seen).toMatchObject({ codeChallengeMethod: "S256", redirectUri: CALLBACK, redeemed: true });
    expect(seen.scope).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(seen.nonce).toBeTruthy();
    expect(idp.refusals).toEqual([]);

    const again = await signIn(idp, alice, client(1));
    expect(again.cookie).toMatch(/studio\.session_token=/);
    expect(again.cookie).not.toBe(first.cookie);
    expect(await callerWith(again.cookie)).toMatchObject({ kind: "user", userId: ownerId });
    expect(await countUsers()).toBe(1);
    expect(await db().account.count({ where: { providerId: "oidc", accountId: "alice-sub", userId: ownerId } })).toBe(1);
  });

  it("refuses a later person without an invitation, with the invitation-only message, and creates nothing", async () => {
    const users = await countUsers();
    const bob: OidcPerson = { sub: "bob-sub", email: "bob@a.test", emailVerified: true, name: "Bob" };
    const res = await signIn(idp, bob, client(2));
    expect(res.location.pathname).toBe("/sign-in");
    expect(res.location.searchParams.get("error")).toBe("invitation_required");
    expect(res.location.searchParams.get("error_description")).toBe(INVITATION_ONLY);
    expect(res.cookie).not.toMatch(/session_token/);
    expect(idp.authorizations.at(-1)).toMatchObject({ person: { sub: "bob-sub" }, redeemed: true });
    expect(await countUsers()).toBe(users);
    expect(await userRow(bob.email)).toBeNull();
    expect(await db().account.count({ where: { accountId: "bob-sub" } })).toBe(0);
  });

  it("lets an invited person whose provider verified the address join the workspace with the invitation's role", async () => {
    const { token } = await createInvitation({ workspaceId: WORKSPACE_A, email: "carol@a.test", role: "editor", invitedById: ownerId });
    // The provider spells the address its own way; invitations match it case-insensitively.
    const carol: OidcPerson = { sub: "carol-sub", email: "Carol@A.test", emailVerified: true, name: "Carol" };
    const res = await signIn(idp, carol, client(3));
    expect(res.location.pathname).toBe("/");
    expect(res.cookie).toMatch(/studio\.session_token=/);

    const caller = await callerWith(res.cookie);
    expect(caller).toMatchObject({ kind: "user", email: "carol@a.test", activeWorkspaceId: WORKSPACE_A });
    if (caller.kind !== "user") throw new Error("unreachable");
    expect([...caller.roles]).toEqual([[WORKSPACE_A, "editor"]]);
    expect(await memberRole(WORKSPACE_A, caller.userId)).toBe("editor");
    expect(await userRow(carol.email)).toMatchObject({ emailVerified: true });
    // Used up: the link no longer opens anything.
    expect(await findOpenInvitation(token)).toBeNull();
  });

  it("gives an invited person with an unverified address an account but no membership until they open the invitation link", async () => {
    const { token } = await createInvitation({ workspaceId: WORKSPACE_A, email: "dave@a.test", role: "editor", invitedById: ownerId });
    const dave: OidcPerson = { sub: "dave-sub", email: "dave@a.test", emailVerified: false, name: "Dave" };
    const res = await signIn(idp, dave, client(4));
    expect(res.location.pathname).toBe("/");
    expect(res.cookie).toMatch(/studio\.session_token=/);

    const caller = await callerWith(res.cookie);
    expect(caller).toMatchObject({ kind: "user", email: "dave@a.test", activeWorkspaceId: null });
    if (caller.kind !== "user") throw new Error("unreachable");
    expect(caller.roles.size).toBe(0);
    expect(await listMemberships(caller.userId)).toEqual([]);
    expect(await userRow(dave.email)).toMatchObject({ emailVerified: false });
    expect(await findOpenInvitation(token)).toMatchObject({ email: "dave@a.test", role: "editor" });

    // The invitation link (the token) is what joins an unverified address.
    const accept = await (acceptRoute.POST as Handler)(
      new Request(`${BASE}/api/account/invitations/accept`, {
        method: "POST",
        headers: { origin: BASE, cookie: res.cookie, "content-type": "application/json" },
        body: JSON.stringify({ token }),
      }),
    );
    expect(accept.status, await accept.clone().text()).toBe(200);
    expect(await memberRole(WORKSPACE_A, caller.userId)).toBe("editor");
  });

  it("refuses a callback that did not start in this browser (no state cookie)", async () => {
    const users = await countUsers();
    const { token } = await createInvitation({ workspaceId: WORKSPACE_A, email: "erin@a.test", role: "viewer", invitedById: ownerId });
    const erin: OidcPerson = { sub: "erin-sub", email: "erin@a.test", emailVerified: true, name: "Erin" };
    const res = await signIn(idp, erin, client(5), { dropStateCookie: true });
    expect(res.location.pathname).toBe("/sign-in");
    expect(res.location.searchParams.get("error")).toBe("state_mismatch");
    expect(res.cookie).not.toMatch(/session_token/);
    // Refused before the code was exchanged, so nothing was created or accepted.
    expect(idp.authorizations.at(-1)).toMatchObject({ person: { sub: "erin-sub" }, redeemed: false });
    expect(await countUsers()).toBe(users);
    expect(await findOpenInvitation(token)).not.toBeNull();
  });
});

describe("the test provider is strict (so the sign-ins above prove PKCE and client authentication)", () => {
  it("redeems a code once, only with the verifier of its challenge and the client's secret", async () => {
    const idp = await startOidcProvider();
    try {
      idp.signInAs({ sub: "s", email: "s@a.test", emailVerified: true, name: "S" });
      const verifier = "v".repeat(64);
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      const authorize = async (extra: Record<string, string>) => {
        const q = new URLSearchParams({ client_id: idp.clientId, response_type: "code", redirect_uri: CALLBACK, scope: "openid email", state: "st", ...extra });
        const res = await fetch(`${idp.issuer}/authorize?${q}`, { redirect: "manual" });
        return { status: res.status, code: new URL(res.headers.get("location") ?? "http://x/").searchParams.get("code") };
      };
      const token = (code: string, form: Record<string, string>) =>
        fetch(`${idp.issuer}/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, client_id: idp.clientId, client_secret: idp.clientSecret, ...form }),
        });

      expect((await authorize({})).status).toBe(400); // no PKCE
      expect((await authorize({ code_challenge: challenge, code_challenge_method: "plain" })).status).toBe(400);
      const withPkce = { code_challenge: challenge, code_challenge_method: "S256" };
      expect((await token((await authorize(withPkce)).code!, { code_verifier: "w".repeat(64) })).status).toBe(400);
      expect((await token((await authorize(withPkce)).code!, { code_verifier: verifier, client_secret: "wrong" })).status).toBe(401);
      const { code } = await authorize(withPkce);
      const ok = await token(code!, { code_verifier: verifier });
      expect(ok.status).toBe(200);
      const { id_token } = (await ok.json()) as { id_token: string };
      const claims = JSON.parse(Buffer.from(id_token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
      expect(claims).toMatchObject({ iss: idp.issuer, aud: idp.clientId, sub: "s", email: "s@a.test", email_verified: true });
      expect((await token(code!, { code_verifier: verifier })).status).toBe(400); // once
      expect(idp.refusals).toHaveLength(5);
    } finally {
      await idp.close();
    }
  });
});
