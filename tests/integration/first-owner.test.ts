/**
 * The first account on a shared deployment owns the local workspace. Who is first is decided under the
 * workspace row's lock (lib/store/accounts.ts claimOwnerIfNone), so of several sign-ups at the same
 * moment exactly one becomes owner: never two, and never none (which counting the users allowed: each
 * new account could see the others and none would own the deployment).
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { LOCAL_WORKSPACE_ID } from "@/lib/auth/caller";
import { claimOwnerIfNone } from "@/lib/store/accounts";
import { db } from "@/lib/store/db";
import { signUp, withSharedMode } from "./support/callers";
import { providers, withStoreDatabase } from "./support/databases";

const ownersOf = (workspaceId: string) => db().member.findMany({ where: { workspaceId, role: "owner" }, select: { userId: true } });

describe.each(providers)("the first owner on %s", (provider) => {
  withSharedMode();
  const database = withStoreDatabase(provider);
  /** Accounts for the claims below (written directly: who may sign up is not what these tests are about). */
  let users: { id: string }[] = [];

  it("of five sign-ups at the same moment on a fresh deployment, exactly one owns the local workspace", async () => {
    const settled = await Promise.allSettled(["a", "b", "c", "d", "e"].map((n) => signUp(`${n}@first.test`, n)));
    const accounts = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(accounts.length).toBeGreaterThan(0);
    const owners = await ownersOf(LOCAL_WORKSPACE_ID);
    expect(owners).toHaveLength(1);
    expect(accounts.map((u) => u.id)).toContain(owners[0]!.userId);
    users = await Promise.all(
      ["p", "q", "r", "s"].map((n) => db().user.create({ data: { id: randomUUID(), name: n, email: `${n}-${randomUUID()}@claims.test` }, select: { id: true } })),
    );
  });

  it("claims on an ownerless workspace: one wins of those at the same moment, later ones lose, the owner stays", async () => {
    const id = `ownerless-${randomUUID()}`;
    await db().workspace.create({ data: { id, name: "Ownerless" } });
    const wins = await Promise.all(users.map((u) => claimOwnerIfNone(id, u.id)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    const owner = users[wins.indexOf(true)]!;
    expect(await claimOwnerIfNone(id, users.find((u) => u.id !== owner.id)?.id ?? owner.id)).toBe(false);
    expect(await ownersOf(id)).toEqual([{ userId: owner.id }]);
    await expect(claimOwnerIfNone(`missing-${randomUUID()}`, owner.id)).rejects.toMatchObject({ status: 404 });
  });

  // The interleaving made certain: another transaction has written the workspace's row and added an
  // owner, not yet committed. A claim must wait for it (the row lock), then see that owner. Without the
  // lock the claim would count no owner and add a second. (SQLite has one writer at a time anyway.)
  if (provider !== "postgres") return;
  it("a claim waits while another transaction holds the workspace's row, then finds its owner", async () => {
    const id = `held-${randomUUID()}`;
    await db().workspace.create({ data: { id, name: "Held" } });
    const holder = new pg.Client({ connectionString: database.current.url });
    const watcher = new pg.Client({ connectionString: database.current.url });
    await Promise.all([holder.connect(), watcher.connect()]);
    try {
      await holder.query("BEGIN");
      await holder.query(`UPDATE "Workspace" SET "updatedAt" = now() WHERE id = $1`, [id]);
      await holder.query(`INSERT INTO "Member" (id, "workspaceId", "userId", role) VALUES ($1, $2, $3, 'owner')`, [randomUUID(), id, users[0]!.id]);
      const claim = claimOwnerIfNone(id, users[1]!.id);
      const waitingOnLock = async () =>
        Number((await watcher.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].n);
      await expect.poll(waitingOnLock).toBe(1);
      await holder.query("COMMIT");
      expect(await claim).toBe(false);
      expect(await ownersOf(id)).toEqual([{ userId: users[0]!.id }]);
    } finally {
      await Promise.all([holder.end(), watcher.end()]);
    }
  });
});
