/**
 * Workspaces, members, invitations, API keys and share links: the data behind lib/auth.
 * Better Auth owns User / Session / Account / Verification (lib/auth/better-auth.ts); this module only
 * reads users' names and e-mails. Tokens are made here with node:crypto; invitation and API-key tokens
 * are stored as SHA-256 digests only, so a leaked database does not leak working credentials.
 */
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { AppError, notFound } from "@/lib/errors";
import { db } from "./db";
import { iso, isUniqueViolation, newId } from "./util";

export type StoredRole = "owner" | "admin" | "editor" | "viewer";
export type StoredScope = "read" | "run" | "write";
export type ShareResourceKind = "library" | "template" | "notebook";

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
const token = (bytes = 32): string => randomBytes(bytes).toString("base64url");

/** API keys start with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = "fsk_";

// ── Users and memberships ─────────────────────────────────────────────────────────────────────────

export interface UserSummary {
  id: string;
  name: string;
  email: string;
}

export async function countUsers(): Promise<number> {
  return db().user.count();
}

export async function findUser(id: string): Promise<UserSummary | null> {
  return db().user.findUnique({ where: { id }, select: { id: true, name: true, email: true } });
}

export interface Membership {
  workspaceId: string;
  workspaceName: string;
  role: StoredRole;
}

/** The user's workspaces, oldest membership first (the first is their default). */
export async function listMemberships(userId: string): Promise<Membership[]> {
  const rows = await db().member.findMany({ where: { userId }, include: { workspace: { select: { name: true } } }, orderBy: { createdAt: "asc" } });
  return rows.map((r) => ({ workspaceId: r.workspaceId, workspaceName: r.workspace.name, role: r.role as StoredRole }));
}

export interface MemberSummary extends UserSummary {
  role: StoredRole;
  joinedAt: string;
}

export async function listMembers(workspaceId: string): Promise<MemberSummary[]> {
  const rows = await db().member.findMany({ where: { workspaceId }, include: { user: { select: { id: true, name: true, email: true } } }, orderBy: { createdAt: "asc" } });
  return rows.map((r) => ({ ...r.user, role: r.role as StoredRole, joinedAt: iso(r.createdAt) }));
}

export async function getWorkspace(id: string): Promise<{ id: string; name: string }> {
  const row = await db().workspace.findUnique({ where: { id }, select: { id: true, name: true } });
  if (!row) throw notFound("Workspace", id);
  return row;
}

export async function createWorkspace(name: string, ownerId: string): Promise<{ id: string; name: string }> {
  const id = newId();
  await db().workspace.create({ data: { id, name, members: { create: { id: newId(), userId: ownerId, role: "owner" } } } });
  return { id, name };
}

/**
 * Makes `userId` the owner of `workspaceId` when it has no owner yet; true when this call did. The
 * first statement writes the workspace's row, taking its lock (a row lock on PostgreSQL, the write
 * lock on SQLite) before the owners are counted, so of two first sign-ups at the same moment exactly
 * one becomes owner: never both, and never neither (as counting the users could give).
 */
export async function claimOwnerIfNone(workspaceId: string, userId: string): Promise<boolean> {
  return db().$transaction(async (tx) => {
    const { count } = await tx.workspace.updateMany({ where: { id: workspaceId }, data: { updatedAt: new Date() } });
    if (count === 0) throw notFound("Workspace", workspaceId);
    if ((await tx.member.count({ where: { workspaceId, role: "owner" } })) > 0) return false;
    await tx.member.upsert({
      where: { workspaceId_userId: { workspaceId, userId } },
      create: { id: newId(), workspaceId, userId, role: "owner" },
      update: { role: "owner" },
    });
    return true;
  });
}

/** Adds (or re-roles) a member; idempotent. */
export async function addMember(workspaceId: string, userId: string, role: StoredRole): Promise<void> {
  await db().member.upsert({
    where: { workspaceId_userId: { workspaceId, userId } },
    create: { id: newId(), workspaceId, userId, role },
    update: { role },
  });
}

export async function memberRole(workspaceId: string, userId: string): Promise<StoredRole | null> {
  const row = await db().member.findUnique({ where: { workspaceId_userId: { workspaceId, userId } }, select: { role: true } });
  return (row?.role as StoredRole | undefined) ?? null;
}

/** Changes a member's role, keeping at least one owner. */
export async function setMemberRole(workspaceId: string, userId: string, role: StoredRole): Promise<void> {
  await db().$transaction(async (tx) => {
    const member = await tx.member.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } });
    if (!member) throw notFound("Member", userId);
    if (member.role === "owner" && role !== "owner" && (await tx.member.count({ where: { workspaceId, role: "owner" } })) <= 1) {
      throw new AppError("conflict", "A workspace needs at least one owner: make someone else owner first.");
    }
    await tx.member.update({ where: { id: member.id }, data: { role } });
  });
}

export async function removeMember(workspaceId: string, userId: string): Promise<void> {
  await db().$transaction(async (tx) => {
    const member = await tx.member.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } });
    if (!member) throw notFound("Member", userId);
    if (member.role === "owner" && (await tx.member.count({ where: { workspaceId, role: "owner" } })) <= 1) {
      throw new AppError("conflict", "The last owner cannot leave the workspace: make someone else owner first.");
    }
    await tx.member.delete({ where: { id: member.id } });
  });
}

// ── Invitations ───────────────────────────────────────────────────────────────────────────────────

export const INVITATION_DAYS = 7;

export interface InvitationSummary {
  id: string;
  email: string;
  role: StoredRole;
  expiresAt: string;
  createdAt: string;
}

/** A new invitation; the token (in the link) is returned once and only its digest is stored. */
export async function createInvitation(input: { workspaceId: string; email: string; role: StoredRole; invitedById: string | null }): Promise<{ invitation: InvitationSummary; token: string }> {
  const secret = token();
  const row = await db().invitation.create({
    data: {
      id: newId(),
      workspaceId: input.workspaceId,
      email: input.email.trim().toLowerCase(),
      role: input.role,
      tokenHash: sha256(secret),
      invitedById: input.invitedById,
      expiresAt: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
    },
  });
  return { invitation: invitationSummary(row), token: secret };
}

function invitationSummary(row: { id: string; email: string; role: string; expiresAt: Date; createdAt: Date }): InvitationSummary {
  return { id: row.id, email: row.email, role: row.role as StoredRole, expiresAt: iso(row.expiresAt), createdAt: iso(row.createdAt) };
}

export async function listPendingInvitations(workspaceId: string): Promise<InvitationSummary[]> {
  const rows = await db().invitation.findMany({ where: { workspaceId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } }, orderBy: { createdAt: "desc" } });
  return rows.map(invitationSummary);
}

export interface OpenInvitation {
  id: string;
  workspaceId: string;
  workspaceName: string;
  email: string;
  role: StoredRole;
}

/** The invitation a link's token opens, if it is still pending (not accepted, revoked or expired). */
export async function findOpenInvitation(secret: string): Promise<OpenInvitation | null> {
  const row = await db().invitation.findUnique({ where: { tokenHash: sha256(secret) }, include: { workspace: { select: { name: true } } } });
  if (!row || row.acceptedAt || row.revokedAt || row.expiresAt <= new Date()) return null;
  return { id: row.id, workspaceId: row.workspaceId, workspaceName: row.workspace.name, email: row.email, role: row.role as StoredRole };
}

/** Whether an e-mail address has a pending invitation anywhere (an OpenID sign-up may then create the account). */
export async function hasPendingInvitation(email: string): Promise<boolean> {
  return (await db().invitation.count({ where: { email: email.trim().toLowerCase(), acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } } })) > 0;
}

/** Joins the invitation's workspace with its role, once: a second use of the same link is refused. */
export async function acceptInvitation(invitationId: string, userId: string): Promise<void> {
  await db().$transaction(async (tx) => {
    const claimed = await tx.invitation.updateMany({ where: { id: invitationId, acceptedAt: null, revokedAt: null }, data: { acceptedAt: new Date() } });
    if (claimed.count !== 1) throw new AppError("conflict", "This invitation has already been used or revoked: ask for a new one.");
    const inv = await tx.invitation.findUniqueOrThrow({ where: { id: invitationId } });
    await tx.member.upsert({
      where: { workspaceId_userId: { workspaceId: inv.workspaceId, userId } },
      create: { id: newId(), workspaceId: inv.workspaceId, userId, role: inv.role },
      update: { role: inv.role },
    });
  });
}

/** Accepts every pending invitation for a verified e-mail address (an OpenID provider vouched for it). */
export async function acceptInvitationsForEmail(email: string, userId: string): Promise<void> {
  const rows = await db().invitation.findMany({ where: { email: email.trim().toLowerCase(), acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } }, select: { id: true } });
  for (const row of rows) await acceptInvitation(row.id, userId).catch(() => undefined);
}

export async function revokeInvitation(workspaceId: string, id: string): Promise<void> {
  const done = await db().invitation.updateMany({ where: { id, workspaceId, acceptedAt: null, revokedAt: null }, data: { revokedAt: new Date() } });
  if (done.count === 0) throw notFound("Invitation", id);
}

// ── API keys ──────────────────────────────────────────────────────────────────────────────────────

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  scopes: StoredScope[];
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

type ApiKeyRow = { id: string; name: string; prefix: string; scopes: string; createdById: string | null; lastUsedAt: Date | null; revokedAt: Date | null; createdAt: Date };

function apiKeySummary(row: ApiKeyRow, names: ReadonlyMap<string, string>): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as StoredScope[],
    createdBy: row.createdById ? (names.get(row.createdById) ?? null) : null,
    lastUsedAt: row.lastUsedAt ? iso(row.lastUsedAt) : null,
    revokedAt: row.revokedAt ? iso(row.revokedAt) : null,
    createdAt: iso(row.createdAt),
  };
}

/** A new key: the secret is returned once, here; only its digest and first characters are kept. */
export async function createApiKey(input: { workspaceId: string; name: string; scopes: StoredScope[]; createdById: string | null }): Promise<{ key: ApiKeySummary; secret: string }> {
  const secret = `${API_KEY_PREFIX}${token()}`;
  const row = await db().apiKey.create({
    data: {
      id: newId(),
      workspaceId: input.workspaceId,
      name: input.name,
      prefix: secret.slice(0, API_KEY_PREFIX.length + 6),
      keyHash: sha256(secret),
      scopes: JSON.stringify([...new Set(input.scopes)].sort()),
      createdById: input.createdById,
    },
  });
  return { key: apiKeySummary(row, await userNames([input.createdById])), secret };
}

export async function listApiKeys(workspaceId: string): Promise<ApiKeySummary[]> {
  const rows = await db().apiKey.findMany({ where: { workspaceId }, orderBy: { createdAt: "desc" } });
  const names = await userNames(rows.map((r) => r.createdById));
  return rows.map((r) => apiKeySummary(r, names));
}

export async function revokeApiKey(workspaceId: string, id: string): Promise<void> {
  const done = await db().apiKey.updateMany({ where: { id, workspaceId, revokedAt: null }, data: { revokedAt: new Date() } });
  if (done.count === 0) throw notFound("API key", id);
}

export interface ActiveApiKey {
  id: string;
  workspaceId: string;
  scopes: StoredScope[];
  createdById: string | null;
}

/** Last use is written at most this often per key: not one write per request. */
const LAST_USE_RESOLUTION_MS = 60_000;

/** The live key a Bearer secret names (null: unknown or revoked); records its use. */
export async function redeemApiKey(secret: string): Promise<ActiveApiKey | null> {
  if (!secret.startsWith(API_KEY_PREFIX)) return null;
  const row = await db().apiKey.findUnique({ where: { keyHash: sha256(secret) } });
  if (!row || row.revokedAt) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USE_RESOLUTION_MS) {
    await db().apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
  }
  return { id: row.id, workspaceId: row.workspaceId, scopes: JSON.parse(row.scopes) as StoredScope[], createdById: row.createdById };
}

// ── Share links ───────────────────────────────────────────────────────────────────────────────────

export interface ShareLinkSummary {
  id: string;
  resourceKind: ShareResourceKind;
  resourceId: string;
  resourceName: string | null;
  token: string;
  createdBy: string | null;
  revokedAt: string | null;
  createdAt: string;
}

/**
 * A read-only link. Its token is kept (not only a digest) so the people who made it can copy it again,
 * like any document-sharing link; it grants read access to one resource only and is revoked in one click.
 */
export async function createShareLink(input: { workspaceId: string; resourceKind: ShareResourceKind; resourceId: string; createdById: string | null }): Promise<ShareLinkSummary> {
  try {
    const row = await db().shareLink.create({ data: { id: newId(), token: token(24), ...input } });
    return (await shareLinkSummaries([row]))[0]!;
  } catch (e) {
    if (isUniqueViolation(e)) return createShareLink(input); // a 192-bit collision: try again
    throw e;
  }
}

export async function listShareLinks(workspaceId: string, filter: { resourceKind?: ShareResourceKind; resourceId?: string } = {}): Promise<ShareLinkSummary[]> {
  const rows = await db().shareLink.findMany({ where: { workspaceId, ...filter }, orderBy: { createdAt: "desc" } });
  return shareLinkSummaries(rows);
}

export async function revokeShareLink(workspaceId: string, id: string): Promise<void> {
  const done = await db().shareLink.updateMany({ where: { id, workspaceId, revokedAt: null }, data: { revokedAt: new Date() } });
  if (done.count === 0) throw notFound("Share link", id);
}

export interface ActiveShareLink {
  id: string;
  workspaceId: string;
  resourceKind: ShareResourceKind;
  resourceId: string;
}

/** The live link a token opens (null: unknown or revoked). */
export async function findShareLink(secret: string): Promise<ActiveShareLink | null> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(secret)) return null;
  const row = await db().shareLink.findUnique({ where: { token: secret } });
  if (!row || row.revokedAt) return null;
  return { id: row.id, workspaceId: row.workspaceId, resourceKind: row.resourceKind as ShareResourceKind, resourceId: row.resourceId };
}

type ShareRow = { id: string; resourceKind: string; resourceId: string; token: string; createdById: string | null; revokedAt: Date | null; createdAt: Date };

async function shareLinkSummaries(rows: ShareRow[]): Promise<ShareLinkSummary[]> {
  const names = await userNames(rows.map((r) => r.createdById));
  const ids = (kind: string) => rows.filter((r) => r.resourceKind === kind).map((r) => r.resourceId);
  const [libraries, templates, notebooks] = await Promise.all([
    db().library.findMany({ where: { id: { in: ids("library") } }, select: { id: true, name: true } }),
    db().template.findMany({ where: { id: { in: ids("template") } }, select: { id: true, name: true } }),
    db().notebook.findMany({ where: { id: { in: ids("notebook") } }, select: { id: true, name: true } }),
  ]);
  const resourceNames = new Map([...libraries, ...templates, ...notebooks].map((r) => [r.id, r.name]));
  return rows.map((r) => ({
    id: r.id,
    resourceKind: r.resourceKind as ShareResourceKind,
    resourceId: r.resourceId,
    resourceName: resourceNames.get(r.resourceId) ?? null,
    token: r.token,
    createdBy: r.createdById ? (names.get(r.createdById) ?? null) : null,
    revokedAt: r.revokedAt ? iso(r.revokedAt) : null,
    createdAt: iso(r.createdAt),
  }));
}

/** Display names for user ids (a deleted account is simply missing). */
export async function userNames(ids: readonly (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db().user.findMany({ where: { id: { in: wanted } }, select: { id: true, name: true, email: true } });
  return new Map(rows.map((r) => [r.id, r.name || r.email]));
}

// ── Where things live (for lib/auth) ──────────────────────────────────────────────────────────────

export type PlacedKind = "library" | "template" | "notebook" | "dataset" | "sweep";

export interface StoredPlacement {
  workspaceId: string;
  examples: boolean;
  sharedVia: Partial<Record<ShareResourceKind, string>>;
}

/** The workspace a library-held resource belongs to, and the shareable resources containing it; null: no such id. */
export async function placementOf(kind: PlacedKind, id: string): Promise<StoredPlacement | null> {
  const lib = { select: { id: true, workspaceId: true, kind: true } } as const;
  const place = (library: { id: string; workspaceId: string; kind: string }, extra: Partial<Record<ShareResourceKind, string>> = {}): StoredPlacement => ({
    workspaceId: library.workspaceId,
    examples: library.kind === "examples",
    sharedVia: { library: library.id, ...extra },
  });
  switch (kind) {
    case "library": {
      const row = await db().library.findUnique({ where: { id }, select: { id: true, workspaceId: true, kind: true } });
      return row ? place(row) : null;
    }
    case "template": {
      const row = await db().template.findUnique({ where: { id }, select: { library: lib } });
      return row ? place(row.library, { template: id }) : null;
    }
    case "notebook": {
      const row = await db().notebook.findUnique({ where: { id }, select: { library: lib } });
      return row ? place(row.library, { notebook: id }) : null;
    }
    case "dataset": {
      const row = await db().dataset.findUnique({ where: { id }, select: { library: lib } });
      return row ? place(row.library) : null;
    }
    case "sweep": {
      // A sweep lives in the workspace that started it, whoever's dataset it ran on (an Examples dataset, often).
      const row = await db().sweep.findUnique({ where: { id }, select: { workspaceId: true } });
      return row ? { workspaceId: row.workspaceId, examples: false, sharedVia: {} } : null;
    }
  }
}

/** A stored engine's workspace; null: not a stored engine (bundled or declared, or no such id). */
export async function storedEngineWorkspace(id: string): Promise<string | null> {
  const row = await db().engine.findUnique({ where: { id }, select: { workspaceId: true } });
  return row?.workspaceId ?? null;
}
