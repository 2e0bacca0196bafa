/**
 * Identity: Better Auth (sessions, e-mail + password with its scrypt hashing, OpenID Connect through the
 * generic OAuth plugin) on our Prisma client. Only shared deployments use it; local mode has no accounts.
 *
 * Who may create an account is our rule, applied in Better Auth's user-creation hook so that every path
 * (e-mail sign-up, a first OpenID sign-in) obeys it: the very first account (it becomes owner of the
 * local workspace), anyone with a pending invitation for their address, or anyone when the deployment
 * allows open sign-up. Joining the invited workspace takes the invitation link's token
 * (lib/auth/accounts.ts) — or, for OpenID sign-ins, an address the provider has verified.
 */
import "server-only";
import { createHmac } from "node:crypto";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { APIError } from "better-auth/api";
import { genericOAuth } from "better-auth/plugins/generic-oauth";
import { env, secretKeyBytes } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { requestPolicy } from "@/lib/http/origin";
import { database, type Database } from "@/lib/store/db";
import { acceptInvitationsForEmail, claimOwnerIfNone, countUsers, createWorkspace, hasPendingInvitation, listMemberships } from "@/lib/store/accounts";
import { LOCAL_WORKSPACE_ID } from "./caller";

/** Better Auth's own routes live here (app/api/auth/[...all]). */
export const AUTH_BASE_PATH = "/api/auth";
/** Session cookies are named studio.session_token (HttpOnly, SameSite=Lax; Secure behind https). */
const COOKIE_PREFIX = "studio";
export const OIDC_PROVIDER_ID = "oidc";

/** The signing secret: derived from STUDIO_SECRET_KEY, so a deployment configures one secret, not two. */
function authSecret(): string {
  const key = env().STUDIO_SECRET_KEY;
  const bytes = key ? secretKeyBytes(key) : null;
  if (!bytes) {
    throw new AppError("unavailable", "Sign-in needs STUDIO_SECRET_KEY on a shared deployment (32 bytes as base64 or 64 hex characters, e.g. `openssl rand -base64 32`): set it and restart.");
  }
  return createHmac("sha256", bytes).update("flamingo-studio/better-auth/v1").digest("base64url");
}

export const INVITATION_ONLY = "This studio is invitation-only: ask an admin of a workspace to invite your e-mail address, then open the link in the invitation.";

/** Whether a new account may be created for this address (the rule above). */
export async function maySignUp(email: string): Promise<boolean> {
  if (env().STUDIO_OPEN_SIGNUP) return true;
  if ((await countUsers()) === 0) return true;
  return hasPendingInvitation(email);
}

/** After an account exists: the first one owns the local workspace; verified OpenID addresses join where invited; open sign-ups get a workspace. */
async function settleNewUser(user: { id: string; name: string; email: string; emailVerified: boolean }): Promise<void> {
  if (await claimOwnerIfNone(LOCAL_WORKSPACE_ID, user.id)) return;
  if (user.emailVerified) await acceptInvitationsForEmail(user.email, user.id);
  if (env().STUDIO_OPEN_SIGNUP && (await listMemberships(user.id)).length === 0) {
    await createWorkspace(`${user.name || user.email.split("@")[0]}'s workspace`, user.id);
  }
}

function createAuth(db: Database) {
  const e = env();
  const oidc =
    e.STUDIO_OIDC_ISSUER && e.STUDIO_OIDC_CLIENT_ID
      ? [
          genericOAuth({
            config: [
              {
                providerId: OIDC_PROVIDER_ID,
                discoveryUrl: `${e.STUDIO_OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
                clientId: e.STUDIO_OIDC_CLIENT_ID,
                clientSecret: e.STUDIO_OIDC_CLIENT_SECRET,
                scopes: ["openid", "email", "profile"],
                pkce: true,
              },
            ],
          }),
        ]
      : [];
  const policy = requestPolicy();
  return betterAuth({
    appName: "Flamingo Studio",
    basePath: AUTH_BASE_PATH,
    baseURL: e.STUDIO_PUBLIC_URL?.origin,
    secret: authSecret(),
    database: prismaAdapter(db.client, { provider: db.provider === "postgres" ? "postgresql" : "sqlite" }),
    emailAndPassword: { enabled: true, minPasswordLength: 10, maxPasswordLength: 256, autoSignIn: true },
    // Writes from other origins are refused by lib/http/origin.ts before Better Auth runs; it checks again.
    trustedOrigins: (request) => [...policy.origins, ...(request ? [new URL(request.url).origin] : [])],
    advanced: { cookiePrefix: COOKIE_PREFIX, database: { generateId: () => crypto.randomUUID() } },
    rateLimit: { enabled: true, window: 60, max: 100, storage: "memory" },
    telemetry: { enabled: false },
    databaseHooks: {
      user: {
        create: {
          before: async (user) => {
            if (!(await maySignUp(user.email))) {
              throw new APIError("FORBIDDEN", { code: "invitation_required", message: INVITATION_ONLY }); // a code makes the OpenID callback redirect to the sign-in page instead of answering JSON
            }
          },
          after: async (user) => settleNewUser(user),
        },
      },
    },
    plugins: [...oidc],
  });
}

export type Auth = ReturnType<typeof createAuth>;

// One instance per database (tests point the store at fresh databases).
const instances = new WeakMap<Database, Auth>();

export function auth(): Auth {
  const db = database();
  let instance = instances.get(db);
  if (!instance) {
    instance = createAuth(db);
    instances.set(db, instance);
  }
  return instance;
}

export const oidcConfigured = (): boolean => Boolean(env().STUDIO_OIDC_ISSUER && env().STUDIO_OIDC_CLIENT_ID);
