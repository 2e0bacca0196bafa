/**
 * A tiny OpenID Connect provider for tests, on 127.0.0.1 (node:http, a random port): the authorization
 * code flow with PKCE, as a deployment's identity provider would answer it, and strict about what it is sent.
 *
 *   GET  /.well-known/openid-configuration  discovery (issuer = http://127.0.0.1:<port>)
 *   GET  /authorize   auto-approves the person set with `signInAs` (no login page): checks client_id,
 *                     response_type=code, redirect_uri, scope ∋ openid and an S256 code_challenge, then
 *                     redirects to redirect_uri with code, state and iss (RFC 9207)
 *   POST /token       client_secret_basic or client_secret_post; the code once, for the same client and
 *                     redirect_uri, with the code_verifier whose S256 digest is the challenge; answers an
 *                     access token and an id_token signed RS256 (iss, aud, sub, email, email_verified, name,
 *                     nonce when /authorize had one, iat, exp)
 *   GET  /userinfo    the person's claims for `Authorization: Bearer <access token>`
 *   GET  /jwks        the public key (RS256, generated per provider with node:crypto)
 *
 * Everything it refused is kept in `refusals` (a test that sees a failed sign-in can print why).
 *
 *   const idp = await startOidcProvider();
 *   idp.signInAs({ sub: "u1", email: "a@b.test", emailVerified: true, name: "A" });
 *   ... process.env.STUDIO_OIDC_ISSUER = idp.issuer ...
 *   await idp.close();
 */
import { createHash, generateKeyPairSync, randomBytes, sign, timingSafeEqual, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface OidcPerson {
  sub: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

/** One approved /authorize request, as the provider saw it. */
export interface OidcAuthorization {
  clientId: string;
  redirectUri: string;
  scope: string[];
  codeChallengeMethod: string;
  nonce: string | null;
  state: string | null;
  person: OidcPerson;
  /** Whether /token exchanged this authorization's code (with the right verifier). */
  redeemed: boolean;
}

export interface OidcProvider {
  /** http://127.0.0.1:<port> (no trailing slash) */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The person the next /authorize approves. */
  signInAs(person: OidcPerson): void;
  /** Every approved /authorize request, oldest first. */
  readonly authorizations: readonly OidcAuthorization[];
  /** Every request refused, as "<endpoint>: <reason>". */
  readonly refusals: readonly string[];
  close(): Promise<void>;
}

interface PendingCode {
  authorization: OidcAuthorization;
  codeChallenge: string;
  expiresAt: number;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

function signJwt(privateKey: KeyObject, kid: string, payload: Record<string, unknown>): string {
  const input = `${b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(sign("sha256", Buffer.from(input), privateKey))}`;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error("body over 64 KiB");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function startOidcProvider(opts: { clientId?: string; clientSecret?: string } = {}): Promise<OidcProvider> {
  const clientId = opts.clientId ?? "flamingo-studio";
  const clientSecret = opts.clientSecret ?? randomBytes(24).toString("base64url");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(8).toString("hex");
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };

  let person: OidcPerson | null = null;
  const authorizations: OidcAuthorization[] = [];
  const refusals: string[] = [];
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, OidcPerson>();
  let issuer = "";

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: http.ServerResponse, endpoint: string, status: number, error: string, reason: string) => {
    refusals.push(`${endpoint}: ${reason}`);
    json(res, status, { error, error_description: reason });
  };

  function authorize(url: URL, res: http.ServerResponse): void {
    const q = url.searchParams;
    const redirectUri = q.get("redirect_uri") ?? "";
    const scope = (q.get("scope") ?? "").split(" ").filter(Boolean);
    if (q.get("client_id") !== clientId) return refuse(res, "authorize", 400, "unauthorized_client", `unknown client_id ${q.get("client_id")}`);
    if (!/^https?:\/\//.test(redirectUri)) return refuse(res, "authorize", 400, "invalid_request", `redirect_uri ${redirectUri || "(none)"} is not an absolute http(s) URL`);
    if (q.get("response_type") !== "code") return refuse(res, "authorize", 400, "unsupported_response_type", `response_type ${q.get("response_type")}`);
    if (!scope.includes("openid")) return refuse(res, "authorize", 400, "invalid_scope", `scope "${scope.join(" ")}" lacks openid`);
    const codeChallenge = q.get("code_challenge");
    if (!codeChallenge || q.get("code_challenge_method") !== "S256") return refuse(res, "authorize", 400, "invalid_request", "PKCE with code_challenge_method=S256 is required");
    if (!person) return refuse(res, "authorize", 400, "access_denied", "no person to sign in (call signInAs first)");
    const authorization: OidcAuthorization = { clientId, redirectUri, scope, codeChallengeMethod: "S256", nonce: q.get("nonce"), state: q.get("state"), person, redeemed: false };
    authorizations.push(authorization);
    const code = randomBytes(24).toString("base64url");
    codes.set(code, { authorization, codeChallenge, expiresAt: Date.now() + 60_000 });
    const to = new URL(redirectUri);
    to.searchParams.set("code", code);
    if (authorization.state !== null) to.searchParams.set("state", authorization.state);
    to.searchParams.set("iss", issuer);
    res.writeHead(302, { location: to.toString(), "cache-control": "no-store" });
    res.end();
  }

  async function token(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return refuse(res, "token", 400, "invalid_request", `content-type ${req.headers["content-type"]}`);
    }
    const form = new URLSearchParams(await readBody(req));
    let id = form.get("client_id");
    let secret = form.get("client_secret");
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    if (basic) {
      const [user, ...pass] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
      id = decodeURIComponent(user ?? "");
      secret = decodeURIComponent(pass.join(":"));
    }
    if (id !== clientId || secret === null || !sameSecret(secret, clientSecret)) {
      return refuse(res, "token", 401, "invalid_client", `client authentication failed for ${id}`);
    }
    if (form.get("grant_type") !== "authorization_code") return refuse(res, "token", 400, "unsupported_grant_type", `grant_type ${form.get("grant_type")}`);
    const code = form.get("code") ?? "";
    const pending = codes.get(code);
    codes.delete(code); // once, whatever happens next
    if (!pending || pending.expiresAt < Date.now()) return refuse(res, "token", 400, "invalid_grant", "unknown, used or expired code");
    const { authorization } = pending;
    if (form.get("redirect_uri") !== authorization.redirectUri) return refuse(res, "token", 400, "invalid_grant", `redirect_uri ${form.get("redirect_uri")} differs from ${authorization.redirectUri}`);
    const verifier = form.get("code_verifier");
    if (!verifier) return refuse(res, "token", 400, "invalid_grant", "code_verifier missing (PKCE)");
    if (!sameSecret(b64url(createHash("sha256").update(verifier).digest()), pending.codeChallenge)) {
      return refuse(res, "token", 400, "invalid_grant", "code_verifier does not match the code_challenge");
    }
    authorization.redeemed = true;
    const p = authorization.person;
    const now = Math.floor(Date.now() / 1000);
    const accessToken = randomBytes(24).toString("base64url");
    accessTokens.set(accessToken, p);
    const idToken = signJwt(privateKey, kid, {
      iss: issuer,
      aud: clientId,
      sub: p.sub,
      email: p.email,
      email_verified: p.emailVerified,
      name: p.name,
      ...(authorization.nonce !== null ? { nonce: authorization.nonce } : {}),
      iat: now,
      exp: now + 300,
    });
    json(res, 200, { access_token: accessToken, token_type: "Bearer", expires_in: 3600, id_token: idToken, scope: authorization.scope.join(" ") });
  }

  function userinfo(req: http.IncomingMessage, res: http.ServerResponse): void {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const p = m ? accessTokens.get(m[1]!) : undefined;
    if (!p) {
      refusals.push("userinfo: unknown access token");
      return json(res, 401, { error: "invalid_token" }, { "www-authenticate": 'Bearer error="invalid_token"' });
    }
    json(res, 200, { sub: p.sub, email: p.email, email_verified: p.emailVerified, name: p.name });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const route = `${req.method} ${url.pathname}`;
    const done = (e: unknown) => {
      if (!res.headersSent) refuse(res, url.pathname, 500, "server_error", e instanceof Error ? e.message : String(e));
      else res.destroy();
    };
    try {
      switch (route) {
        case "GET /.well-known/openid-configuration":
          return json(res, 200, {
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            userinfo_endpoint: `${issuer}/userinfo`,
            jwks_uri: `${issuer}/jwks`,
            response_types_supported: ["code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
            scopes_supported: ["openid", "email", "profile"],
            token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
            code_challenge_methods_supported: ["S256"],
            grant_types_supported: ["authorization_code"],
            claims_supported: ["iss", "aud", "sub", "email", "email_verified", "name", "nonce", "iat", "exp"],
            authorization_response_iss_parameter_supported: true,
          });
        case "GET /authorize":
          return authorize(url, res);
        case "POST /token":
          return void token(req, res).catch(done);
        case "GET /userinfo":
          return userinfo(req, res);
        case "GET /jwks":
          return json(res, 200, { keys: [jwk] });
        default:
          refusals.push(`${route}: no such endpoint`);
          return json(res, 404, { error: "not_found" });
      }
    } catch (e) {
      done(e);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    clientId,
    clientSecret,
    signInAs(p) {
      person = { ...p };
    },
    authorizations,
    refusals,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
