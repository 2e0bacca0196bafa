/**
 * The authorization rules (lib/auth/policy.ts), one caller kind at a time: what each role and key
 * scope may do in its own workspace, that another workspace's resources are hidden (404) rather than
 * refused (403), that a share link reads its one resource and nothing else, and that the Examples
 * library is read-only for everyone, the local owner included.
 */
import { describe, expect, it } from "vitest";
import type { Caller } from "@/lib/auth/caller";
import { canAsset, canEngine, canModel, canTemplate, canWorkspace, type Decision, type Placement } from "@/lib/auth/policy";
import { mayAssign, type Action, type Role } from "@/lib/auth/roles";

const A = "ws-a";
const B = "ws-b";
const inA: Placement = { workspaceId: A, examples: false, sharedVia: { library: "lib-a", template: "tpl-a" } };
const inB: Placement = { workspaceId: B, examples: false, sharedVia: { library: "lib-b", template: "tpl-b" } };
const examples: Placement = { workspaceId: "local", examples: true, sharedVia: { library: "lib-ex", template: "tpl-ex" } };

const member = (role: Role): Caller => ({ kind: "user", userId: `u-${role}`, name: role, email: `${role}@x`, roles: new Map([[A, role]]), activeWorkspaceId: A });
const key = (...scopes: ("read" | "run" | "write")[]): Caller => ({ kind: "api-key", keyId: "k", workspaceId: A, scopes, createdById: null });
const share = (resourceKind: "library" | "template" | "notebook", resourceId: string): Caller => ({ kind: "share", linkId: "s", workspaceId: A, resourceKind, resourceId });

const outcome = (d: Decision) => (d.allow ? "allow" : d.reason);
const ACTIONS: Action[] = ["read", "write", "delete", "run", "manage"];

describe("roles in their own workspace", () => {
  const table: Record<Role, Record<Action, string>> = {
    viewer: { read: "allow", write: "denied", delete: "denied", run: "denied", manage: "denied" },
    editor: { read: "allow", write: "allow", delete: "allow", run: "allow", manage: "denied" },
    admin: { read: "allow", write: "allow", delete: "allow", run: "allow", manage: "allow" },
    owner: { read: "allow", write: "allow", delete: "allow", run: "allow", manage: "allow" },
  };
  for (const [role, expected] of Object.entries(table) as [Role, Record<Action, string>][]) {
    it(`${role}`, () => {
      for (const action of ACTIONS) expect([action, outcome(canTemplate(member(role), action, inA))]).toEqual([action, expected[action]]);
    });
  }

  it("hides another workspace's resources (404, not 403), whatever the role", () => {
    for (const action of ACTIONS) expect(outcome(canTemplate(member("owner"), action, inB))).toBe("hidden");
  });

  it("names the role a refused action needs", () => {
    const d = canTemplate(member("viewer"), "write", inA);
    expect(d.allow ? "" : d.message).toMatch(/viewer.*editor or above/);
  });
});

describe("API keys", () => {
  it("act by scope in their workspace only", () => {
    expect(outcome(canTemplate(key("read"), "read", inA))).toBe("allow");
    expect(outcome(canTemplate(key("read"), "write", inA))).toBe("denied");
    expect(outcome(canTemplate(key("run"), "run", inA))).toBe("allow");
    expect(outcome(canTemplate(key("run"), "write", inA))).toBe("denied");
    expect(outcome(canTemplate(key("write"), "delete", inA))).toBe("allow");
    expect(outcome(canTemplate(key("write"), "run", inA))).toBe("denied");
    expect(outcome(canTemplate(key("read", "run", "write"), "read", inB))).toBe("hidden");
  });

  it("never manage the workspace", () => {
    expect(outcome(canWorkspace(key("read", "run", "write"), "manage", A))).toBe("denied");
    expect(outcome(canWorkspace(key("write"), "manage", B))).toBe("hidden");
  });

  it("run models only with the run scope", () => {
    expect(outcome(canModel(key("run"), "run"))).toBe("allow");
    expect(outcome(canModel(key("write"), "run"))).toBe("denied");
  });
});

describe("share links", () => {
  it("read the shared resource and what it contains, nothing else", () => {
    expect(outcome(canTemplate(share("library", "lib-a"), "read", inA))).toBe("allow");
    expect(outcome(canTemplate(share("template", "tpl-a"), "read", inA))).toBe("allow");
    expect(outcome(canTemplate(share("template", "other"), "read", inA))).toBe("hidden");
    expect(outcome(canTemplate(share("library", "lib-a"), "read", inB))).toBe("hidden");
  });

  it("are read-only", () => {
    for (const action of ["write", "delete", "run", "manage"] as Action[]) expect(outcome(canTemplate(share("template", "tpl-a"), action, inA))).toBe("denied");
    expect(outcome(canModel(share("template", "tpl-a"), "run"))).toBe("denied");
    expect(outcome(canWorkspace(share("library", "lib-a"), "read", A))).toBe("hidden");
  });
});

describe("the Examples library", () => {
  it("is readable by every identified caller and changed by no one", () => {
    for (const caller of [member("viewer"), member("owner"), key("read"), { kind: "local" } as Caller]) {
      expect(outcome(canTemplate(caller, "read", examples))).toBe("allow");
      expect(outcome(canTemplate(caller, "write", examples))).toBe("denied");
      expect(outcome(canTemplate(caller, "delete", examples))).toBe("denied");
    }
  });
});

describe("local mode and anonymous callers", () => {
  it("the local owner may do anything outside Examples", () => {
    for (const action of ACTIONS) expect(outcome(canTemplate({ kind: "local" }, action, inA))).toBe("allow");
  });

  it("anonymous callers are asked to sign in, for everything", () => {
    const anon: Caller = { kind: "anonymous" };
    expect(outcome(canTemplate(anon, "read", inA))).toBe("unauthenticated");
    expect(outcome(canTemplate(anon, "read", examples))).toBe("unauthenticated");
    expect(outcome(canAsset(anon, "read"))).toBe("unauthenticated");
    expect(outcome(canModel(anon, "run"))).toBe("unauthenticated");
    expect(outcome(canEngine(anon, "read", { workspaceId: null }))).toBe("unauthenticated");
  });
});

describe("engines", () => {
  it("members use their workspace's engines; admins change them; deployment engines serve everyone (the registry refuses changes to them: 409)", () => {
    expect(outcome(canEngine(member("viewer"), "read", { workspaceId: A }))).toBe("allow");
    expect(outcome(canEngine(member("editor"), "run", { workspaceId: A }))).toBe("allow");
    expect(outcome(canEngine(member("editor"), "write", { workspaceId: A }))).toBe("denied");
    expect(outcome(canEngine(member("admin"), "delete", { workspaceId: A }))).toBe("allow");
    expect(outcome(canEngine(member("admin"), "read", { workspaceId: B }))).toBe("hidden");
    expect(outcome(canEngine(member("editor"), "run", { workspaceId: null }))).toBe("allow");
    expect(outcome(canEngine(member("owner"), "write", { workspaceId: null }))).toBe("allow");
    expect(outcome(canEngine(member("editor"), "write", { workspaceId: null }))).toBe("denied");
    expect(outcome(canEngine(key("write"), "delete", { workspaceId: null }))).toBe("denied");
    expect(outcome(canEngine(share("library", "lib-a"), "read", { workspaceId: null }))).toBe("hidden");
  });
});

describe("role changes", () => {
  it("owners give any role; admins up to admin; others none", () => {
    expect(mayAssign("owner", "owner")).toBe(true);
    expect(mayAssign("admin", "admin")).toBe(true);
    expect(mayAssign("admin", "owner")).toBe(false);
    expect(mayAssign("editor", "viewer")).toBe(false);
  });
});
