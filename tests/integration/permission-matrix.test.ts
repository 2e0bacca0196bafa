/**
 * The permission matrix: every route handler found on disk (app/**\/route.ts, every exported method) ×
 * every kind of caller (anonymous; viewer, editor, admin and owner of workspace A; A's API keys with each
 * scope and a revoked one; the owner of another workspace; a share-link holder, by header, by ?share= and
 * with a revoked link) × the resource it acts on
 * (workspace A's, and the Examples library's or the bundled engine's where the route takes one), on SQLite
 * and PostgreSQL in a shared deployment, called as Next calls them.
 *
 * RULES says, per "METHOD /pattern", what the route acts on and which action it needs; the expected answer
 * comes from the documented semantics (support/permission-semantics.ts, not lib/auth). A route on disk
 * without a rule fails the test, and so does a rule without a route. Allowed cells must get past
 * authorization (anything but 401/403/404: a 400/409/422 from validation still proves it did); refused
 * cells must get exactly 401, 403 or 404, and leave what they would change or remove as it was. Lists must
 * show workspace A's resources to its members and keys, and to no one else.
 * Every mismatching cell is reported at once, and the whole matrix is printed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestImage } from "@/lib/assets";
import { releaseServerModels } from "@/lib/backends/server";
import { createEngine } from "@/lib/engines";
import { seedExamples } from "@/lib/examples";
import { createLibrary, createNotebook, createTemplate, exportLibrary, findStoredEngine, getAssetInfo, getSweep, putAsset } from "@/lib/store";
import { addMember, createApiKey, createInvitation, createShareLink, listApiKeys, listPendingInvitations, listShareLinks, memberRole, placementOf, type PlacedKind } from "@/lib/store/accounts";
import { createDataset, getDataset, getDatasetItems } from "@/lib/store/datasets";
import { createSweep } from "@/lib/sweeps/service";
import type { TemplateInput } from "@/lib/prompt";
import type { NotebookInput } from "@/lib/notebook";
import { BASE, PASSWORD, WORKSPACE_A, createIdentities, withSharedMode, type Identities, type TestCaller } from "./support/callers";
import { providers, withStoreDatabase } from "./support/databases";
import { captionDoc, fakeImage } from "./support/fixtures";
import { expectedOutcomes, outcomeOf, seesWorkspaceA, type Check, type Outcome, type Variant } from "./support/permission-semantics";
import { discoverRoutes, paramsFor, type RouteMethod } from "./support/route-files";

// ── Fixtures: what the requests act on ─────────────────────────────────────────────────────────────

/** One set of library-held resources: in workspace A's library, or in the Examples library. */
interface Held {
  library: string;
  template: string;
  templateDoc: TemplateInput;
  notebook: string;
  notebookDoc: NotebookInput;
  dataset: string;
  sweep: string;
  /** An eval item of the dataset (a cell of the sweep). */
  evalItem: string;
}

interface Fixture {
  A: Held;
  examples: Held;
  /** A stored engine of workspace A (its base URL refuses connections at once). */
  engine: string;
  /** A real image (with a thumbnail), used by A's templates and datasets. */
  asset: string;
  /** PNG bytes for uploads. */
  png: Uint8Array;
  /** A small library file (the import route's body). */
  libraryFile: unknown;
  /** Another library of A (the share link does not reach it), and a library of workspace B. */
  libraryA2: string;
  libraryB: string;
  ids: Identities;
}

const BUNDLED_ENGINE = "flamingo-mini";
const DEAD_URL = "http://127.0.0.1:9/v1";
const IMAGES = path.join(process.cwd(), "lib", "examples", "images");
const DAX = ["cat.png", "puppy.png", "owl.png"];
const BLICKET = ["bicycle.png", "red-car.png", "taxi.png"];
const EVAL = new Set(["owl.png", "taxi.png"]);

const templateDoc = (name: string): TemplateInput => ({
  formatVersion: 1,
  name,
  variables: [{ name: "image", kind: "image" }],
  query: { blocks: [{ type: "image", source: { kind: "variable", name: "image" } }, { type: "text", text: "Output:" }] },
});

const notebookDoc = (name: string, templateId: string, assetId: string): NotebookInput => ({
  formatVersion: 1,
  name,
  cells: [{ id: "c1", prompt: { kind: "template", templateId, version: 1, bindings: { image: { assetId } } }, params: { backend: "server", maxTokens: 1 } }],
});

const cellRun = (assetId: string) => ({
  cellId: "c1",
  version: 1,
  backend: "browser-wasm",
  provider: "wasm",
  model: BUNDLED_ENGINE,
  params: { backend: "wasm", mode: "generate", decoding: "greedy", maxTokens: 1, minTokens: 0, temperature: 0.7, topP: 0.9, seed: 0, stop: [], candidates: [], trace: false },
  prompt: { parts: [{ type: "image", assetId }, { type: "text", text: "Output:" }] },
  output: { mode: "generate", text: " a", finishReason: "length" },
  timings: { ttftMs: 1, totalMs: 2, tokens: 1, tokensPerSecond: 500 },
});

let counter = 0;
const unique = () => ++counter;

async function createHeld(libraryId: string, label: string, items: Parameters<typeof createDataset>[0]["items"], assetId: string): Promise<Held> {
  const doc = templateDoc(`Dax or blicket (${label})`);
  const template = await createTemplate({ libraryId, document: doc });
  const nbDoc = notebookDoc(`Study (${label})`, template.id, assetId);
  const notebook = await createNotebook({ libraryId, document: nbDoc });
  const dataset = await createDataset({ libraryId, name: `Living or made (${label})`, task: "classification", items, assets: [] });
  // A browser sweep: nothing runs in the background.
  const sweep = await createSweep({ templateId: template.id, datasetId: dataset.id, backend: "browser", shots: [0], selections: ["random"] });
  const evalItem = (await getDatasetItems(dataset.id)).find((i) => i.split === "eval")!.id;
  return { library: libraryId, template: template.id, templateDoc: doc, notebook: notebook.id, notebookDoc: nbDoc, dataset: dataset.id, sweep: sweep.id, evalItem };
}

async function createFixture(): Promise<Fixture> {
  const examples = (await seedExamples()).libraryId;
  const libraryA = (await createLibrary({ name: "Team A", workspaceId: WORKSPACE_A })).id;
  const items = [];
  for (const [answer, files] of [["dax", DAX], ["blicket", BLICKET]] as const) {
    for (const f of files) {
      const { asset } = await ingestImage(new Uint8Array(readFileSync(path.join(IMAGES, f))));
      items.push({ assetId: asset.id, question: null, answer, candidates: null, split: EVAL.has(f) ? ("eval" as const) : ("pool" as const) });
    }
  }
  const asset = items[0]!.assetId;
  const source = await createLibrary({ name: "Import source", workspaceId: WORKSPACE_A });
  await createTemplate({ libraryId: source.id, document: captionDoc("Portable") });
  const engine = await createEngine({ name: "Team engine", baseUrl: DEAD_URL, model: "remote-model" }, WORKSPACE_A);
  const png = new Uint8Array(await sharp({ create: { width: 12, height: 8, channels: 3, background: "#22aa66" } }).png().toBuffer());
  const ids = await createIdentities(libraryA);
  return {
    libraryA2: (await createLibrary({ name: "Team A, other", workspaceId: WORKSPACE_A })).id,
    libraryB: (await createLibrary({ name: "Team B", workspaceId: ids.workspaceB })).id,
    A: await createHeld(libraryA, "A", items, asset),
    examples: await createHeld(examples, "Examples", items, asset),
    engine: engine.id,
    asset,
    png,
    libraryFile: await exportLibrary(source.id),
    ids,
  };
}

// ── The rules: what each route acts on ─────────────────────────────────────────────────────────────

interface Ctx {
  f: Fixture;
  variant: Variant;
  /** The variant's library-held resources (A's for variants other than "examples"). */
  r: Held;
  caller: TestCaller;
}

interface Req {
  /** URL path and query; the route's params are read from it. */
  path: string;
  /** A JSON body (sent as application/json). */
  json?: unknown;
  form?: FormData;
  bytes?: Uint8Array;
  headers?: Record<string, string>;
  /** For requests that change or remove something: whether it is as it was (checked when the request was refused). */
  intact?: () => Promise<boolean>;
}

interface Rule {
  /** What the request must be allowed (per variant, where the variants differ). */
  checks: Check[] | ((variant: Variant) => Check[]);
  /** Which copies of the resource to try (default: A's only). */
  variants?: Variant[];
  /** For lists: the A resource whose id must show only to A's members and keys. */
  lists?: keyof Pick<Held, "library" | "template" | "notebook" | "dataset" | "sweep"> | "engine";
  request(x: Ctx): Req | Promise<Req>;
}

const OPEN: Check = { public: "open" };
/** Anyone, but the credentials sent are checked (a revoked key is 401). */
const ANYONE: Check = { public: "identified" };
/** Lists and creations: a person or a key (anonymous and share-link holders: 401). */
const PERSON_OR_KEY: Check = { identified: true };
const LIST: Check[] = [PERSON_OR_KEY, { list: true }];
const HELD: Variant[] = ["A", "examples"];
const ENGINES: Variant[] = ["A", "bundled"];
/** Creating something: in workspace A named by the request, or in the caller's own workspace (none named). */
const NAMED_OR_HOME: Variant[] = ["A", "home"];
const inAOrHome = (action: "write" | "manage") => (v: Variant): Check[] => [PERSON_OR_KEY, v === "home" ? { kind: "home", action } : { kind: "workspace", action }];

/** A fresh resource for a destructive request, so each cell deletes its own (for "examples": another read-only Examples-kind library, or one in Examples). */
const fresh = {
  library: async (x: Ctx) => (await createLibrary({ name: `Doomed ${unique()}`, workspaceId: WORKSPACE_A, kind: x.variant === "examples" ? "examples" : "user" })).id,
  template: async (x: Ctx) => (await createTemplate({ libraryId: x.r.library, document: captionDoc(`Doomed ${unique()}`) })).id,
  notebook: async (x: Ctx) => (await createNotebook({ libraryId: x.r.library, document: { ...x.r.notebookDoc, name: `Doomed ${unique()}` } })).id,
  dataset: async (x: Ctx) =>
    (await createDataset({ libraryId: x.r.library, name: `Doomed ${unique()}`, task: "classification", items: [{ assetId: x.f.asset, question: null, answer: "dax", candidates: null, split: "pool" }], assets: [] })).id,
  sweep: async (x: Ctx) => (await createSweep({ templateId: x.r.template, datasetId: x.r.dataset, backend: "browser", shots: [0], selections: ["random"] })).id,
  engine: async (x: Ctx) => (x.variant === "bundled" ? BUNDLED_ENGINE : (await createEngine({ name: `Doomed ${unique()}`, baseUrl: DEAD_URL, model: "m" }, WORKSPACE_A)).id),
};

/** A DELETE of a fresh resource, with the check that a refusal left it in place. */
const doomed = (kind: PlacedKind, id: string, path: (id: string) => string): Req => ({ path: path(id), intact: async () => (await placementOf(kind, id)) !== null });

const engineOf = (x: Ctx) => (x.variant === "bundled" ? BUNDLED_ENGINE : x.f.engine);
const textPrompt = { parts: [{ type: "text", text: "Output:" }] };

function datasetUpload(libraryId: string | null, png: Uint8Array): FormData {
  const form = new FormData();
  form.append("name", `Uploaded ${unique()}`);
  if (libraryId) form.append("libraryId", libraryId);
  form.append("file", new Blob(['{"image":"a.png","answer":"dax"}\n{"image":"b.png","answer":"blicket"}\n']), "d.jsonl");
  form.append("path", "d.jsonl");
  for (const name of ["a.png", "b.png"]) {
    form.append("file", new Blob([png as Uint8Array<ArrayBuffer>]), name);
    form.append("path", name);
  }
  return form;
}

/** An invitation the caller may accept without changing anything: to the workspace and role they have. */
async function ownInvitation(x: Ctx): Promise<string> {
  const c = x.caller;
  const email = c.user?.email ?? `stranger${unique()}@a.test`;
  const home = c.home ?? { workspaceId: WORKSPACE_A, role: "viewer" as const };
  return (await createInvitation({ workspaceId: home.workspaceId, email, role: home.role, invitedById: x.f.ids.owner.id })).token;
}

const RULES: Record<string, Rule> = {
  // Public
  "GET /api/health": { checks: [OPEN], request: () => ({ path: "/api/health" }) },
  "GET /api/auth/[...all]": { checks: [OPEN], request: () => ({ path: "/api/auth/get-session" }) },
  // Each cell from its own address: Better Auth limits sign-ins per client (3 in 10 s), which is not what this tests.
  "POST /api/auth/[...all]": {
    checks: [OPEN],
    request: () => {
      const n = unique();
      return { path: "/api/auth/sign-in/email", json: { email: "owner@a.test", password: PASSWORD }, headers: { "x-forwarded-for": `10.9.${(n >> 8) & 255}.${n & 255}` } };
    },
  },

  // Accounts
  "GET /api/account": { checks: [ANYONE], request: () => ({ path: "/api/account" }) },
  "POST /api/account/sign-up": {
    checks: [ANYONE],
    request: async (x) => {
      const email = `joiner${unique()}@a.test`;
      const { token } = await createInvitation({ workspaceId: WORKSPACE_A, email, role: "viewer", invitedById: x.f.ids.owner.id });
      return { path: "/api/account/sign-up", json: { name: "Joiner", email, password: PASSWORD, invitation: token } };
    },
  },
  "POST /api/account/workspace": { checks: [{ signedIn: "member-of-A" }], request: () => ({ path: "/api/account/workspace", json: { workspaceId: WORKSPACE_A } }) },
  "POST /api/account/invitations/accept": { checks: [{ signedIn: "any" }], request: async (x) => ({ path: "/api/account/invitations/accept", json: { token: await ownInvitation(x) } }) },

  // Workspace A: members, invitations, API keys, share links
  "GET /api/workspaces/[id]/members": { checks: [{ kind: "workspace", action: "read" }], request: () => ({ path: `/api/workspaces/${WORKSPACE_A}/members` }) },
  "PATCH /api/workspaces/[id]/members": {
    checks: [{ kind: "workspace", action: "manage" }],
    request: async (x) => {
      const victim = x.f.ids.victim.id;
      await addMember(WORKSPACE_A, victim, "viewer");
      return { path: `/api/workspaces/${WORKSPACE_A}/members`, json: { userId: victim, role: "editor" }, intact: async () => (await memberRole(WORKSPACE_A, victim)) === "viewer" };
    },
  },
  "DELETE /api/workspaces/[id]/members": {
    checks: [{ kind: "workspace", action: "manage" }],
    request: async (x) => {
      const victim = x.f.ids.victim.id;
      await addMember(WORKSPACE_A, victim, "viewer");
      return { path: `/api/workspaces/${WORKSPACE_A}/members?userId=${victim}`, intact: async () => (await memberRole(WORKSPACE_A, victim)) !== null };
    },
  },
  "GET /api/workspaces/[id]/invitations": { checks: [{ kind: "workspace", action: "manage" }], request: () => ({ path: `/api/workspaces/${WORKSPACE_A}/invitations` }) },
  "POST /api/workspaces/[id]/invitations": {
    checks: [{ kind: "workspace", action: "manage" }],
    request: () => ({ path: `/api/workspaces/${WORKSPACE_A}/invitations`, json: { email: `invitee${unique()}@a.test`, role: "viewer" } }),
  },
  "DELETE /api/workspaces/[id]/invitations": {
    checks: [{ kind: "workspace", action: "manage" }],
    request: async (x) => {
      const { invitation } = await createInvitation({ workspaceId: WORKSPACE_A, email: `revokee${unique()}@a.test`, role: "viewer", invitedById: x.f.ids.owner.id });
      return { path: `/api/workspaces/${WORKSPACE_A}/invitations?id=${invitation.id}`, intact: async () => (await listPendingInvitations(WORKSPACE_A)).some((i) => i.id === invitation.id) };
    },
  },
  "GET /api/workspaces/[id]/api-keys": { checks: [{ kind: "workspace", action: "manage" }], request: () => ({ path: `/api/workspaces/${WORKSPACE_A}/api-keys` }) },
  "POST /api/workspaces/[id]/api-keys": { checks: [{ kind: "workspace", action: "manage" }], request: () => ({ path: `/api/workspaces/${WORKSPACE_A}/api-keys`, json: { name: `key ${unique()}`, scopes: ["read"] } }) },
  "DELETE /api/workspaces/[id]/api-keys": {
    checks: [{ kind: "workspace", action: "manage" }],
    request: async (x) => {
      const { key } = await createApiKey({ workspaceId: WORKSPACE_A, name: `doomed ${unique()}`, scopes: ["read"], createdById: x.f.ids.owner.id });
      return { path: `/api/workspaces/${WORKSPACE_A}/api-keys?id=${key.id}`, intact: async () => (await listApiKeys(WORKSPACE_A)).some((k) => k.id === key.id && k.revokedAt === null) };
    },
  },
  "GET /api/workspaces/[id]/share-links": { checks: [{ kind: "workspace", action: "manage" }], request: () => ({ path: `/api/workspaces/${WORKSPACE_A}/share-links` }) },
  "POST /api/workspaces/[id]/share-links": {
    checks: [{ kind: "workspace", action: "manage" }],
    request: (x) => ({ path: `/api/workspaces/${WORKSPACE_A}/share-links`, json: { resourceKind: "library", resourceId: x.f.A.library } }),
  },
  "DELETE /api/workspaces/[id]/share-links": {
    checks: [{ kind: "workspace", action: "manage" }],
    request: async (x) => {
      const link = await createShareLink({ workspaceId: WORKSPACE_A, resourceKind: "library", resourceId: x.f.A.library, createdById: x.f.ids.owner.id });
      return { path: `/api/workspaces/${WORKSPACE_A}/share-links?id=${link.id}`, intact: async () => (await listShareLinks(WORKSPACE_A)).some((l) => l.id === link.id && l.revokedAt === null) };
    },
  },

  // Libraries
  "GET /api/libraries": { checks: LIST, lists: "library", request: () => ({ path: "/api/libraries" }) },
  "POST /api/libraries": {
    checks: inAOrHome("write"),
    variants: NAMED_OR_HOME,
    request: (x) => ({ path: "/api/libraries", json: { name: `New library ${unique()}`, ...(x.variant === "A" ? { workspaceId: WORKSPACE_A } : {}) } }),
  },
  "POST /api/libraries/import": {
    checks: inAOrHome("write"),
    variants: NAMED_OR_HOME,
    request: (x) => ({ path: `/api/libraries/import?name=Imported%20${unique()}${x.variant === "A" ? `&workspaceId=${WORKSPACE_A}` : ""}`, json: x.f.libraryFile }),
  },
  "GET /api/libraries/[id]": { checks: [{ kind: "library", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/libraries/${x.r.library}` }) },
  // A library of A other than the shared one (the link reaches only library A and what it holds).
  "DELETE /api/libraries/[id]": { checks: [{ kind: "library", action: "delete" }], variants: ["A-unshared", "examples"], request: async (x) => doomed("library", await fresh.library(x), (id) => `/api/libraries/${id}`) },
  "GET /api/libraries/[id]/export": { checks: [{ kind: "library", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/libraries/${x.r.library}/export` }) },

  // Templates
  "GET /api/templates": { checks: LIST, lists: "template", request: () => ({ path: "/api/templates" }) },
  "POST /api/templates": { checks: [PERSON_OR_KEY, { kind: "library", action: "write" }], variants: HELD, request: (x) => ({ path: "/api/templates", json: { libraryId: x.r.library, document: captionDoc(`New ${unique()}`) } }) },
  "GET /api/templates/[id]": { checks: [{ kind: "template", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/templates/${x.r.template}` }) },
  "DELETE /api/templates/[id]": { checks: [{ kind: "template", action: "delete" }], variants: HELD, request: async (x) => doomed("template", await fresh.template(x), (id) => `/api/templates/${id}`) },
  "POST /api/templates/[id]/fork": {
    // Read the source (A's or an Examples template), write into library A.
    checks: [
      PERSON_OR_KEY,
      { kind: "template", action: "read" },
      { kind: "library", action: "write", where: "A" },
    ],
    variants: HELD,
    request: (x) => ({ path: `/api/templates/${x.r.template}/fork`, json: { libraryId: x.f.A.library, name: `Fork ${unique()}` } }),
  },
  "GET /api/templates/[id]/versions": { checks: [{ kind: "template", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/templates/${x.r.template}/versions` }) },
  "POST /api/templates/[id]/versions": { checks: [{ kind: "template", action: "write" }], variants: HELD, request: (x) => ({ path: `/api/templates/${x.r.template}/versions`, json: { document: x.r.templateDoc } }) },
  "GET /api/templates/[id]/versions/[version]": { checks: [{ kind: "template", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/templates/${x.r.template}/versions/1` }) },
  "POST /api/templates/[id]/versions/[version]/restore": { checks: [{ kind: "template", action: "write" }], variants: HELD, request: (x) => ({ path: `/api/templates/${x.r.template}/versions/1/restore`, json: {} }) },

  // Forking what a share link reaches (the token in the path) into a library the caller may write: another of A's
  // ("A-unshared") or B's ("B"); "examples": an Examples template, which the link does not reach.
  "POST /api/share/[token]/fork": {
    checks: (v) => [{ link: v === "examples" ? "misses" : "reaches" }, PERSON_OR_KEY, { kind: "library", action: "write", where: v === "A-unshared" ? "A-unshared" : "B" }],
    variants: ["A-unshared", "B", "examples"],
    request: (x) => ({
      path: `/api/share/${x.f.ids.share.token}/fork`,
      json: { templateId: x.variant === "examples" ? x.f.examples.template : x.f.A.template, libraryId: x.variant === "A-unshared" ? x.f.libraryA2 : x.f.libraryB, name: `Forked ${unique()}` },
    }),
  },

  // Notebooks
  "GET /api/notebooks": { checks: LIST, lists: "notebook", request: () => ({ path: "/api/notebooks" }) },
  "POST /api/notebooks": {
    checks: [PERSON_OR_KEY, { kind: "library", action: "write" }],
    variants: HELD,
    request: (x) => ({ path: "/api/notebooks", json: { libraryId: x.r.library, document: { ...x.r.notebookDoc, name: `New ${unique()}` } } }),
  },
  "GET /api/notebooks/[id]": { checks: [{ kind: "notebook", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/notebooks/${x.r.notebook}` }) },
  "DELETE /api/notebooks/[id]": { checks: [{ kind: "notebook", action: "delete" }], variants: HELD, request: async (x) => doomed("notebook", await fresh.notebook(x), (id) => `/api/notebooks/${id}`) },
  "GET /api/notebooks/[id]/runs": { checks: [{ kind: "notebook", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/notebooks/${x.r.notebook}/runs` }) },
  // Saving a cell's run adds to the notebook (write) what a model run produced (run): both.
  "POST /api/notebooks/[id]/runs": {
    checks: [
      { kind: "notebook", action: "run" },
      { kind: "notebook", action: "write" },
    ],
    variants: HELD, request: (x) => ({ path: `/api/notebooks/${x.r.notebook}/runs`, json: cellRun(x.f.asset) }) },
  "GET /api/notebooks/[id]/versions": { checks: [{ kind: "notebook", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/notebooks/${x.r.notebook}/versions` }) },
  "POST /api/notebooks/[id]/versions": { checks: [{ kind: "notebook", action: "write" }], variants: HELD, request: (x) => ({ path: `/api/notebooks/${x.r.notebook}/versions`, json: { document: x.r.notebookDoc } }) },
  "GET /api/notebooks/[id]/versions/[version]": { checks: [{ kind: "notebook", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/notebooks/${x.r.notebook}/versions/1` }) },
  "POST /api/notebooks/[id]/versions/[version]/restore": { checks: [{ kind: "notebook", action: "write" }], variants: HELD, request: (x) => ({ path: `/api/notebooks/${x.r.notebook}/versions/1/restore`, json: {} }) },

  // Datasets
  "GET /api/datasets": { checks: LIST, lists: "dataset", request: () => ({ path: "/api/datasets" }) },
  // An upload needs a workspace of one's own before a byte is read (a link holder has none), then write on the library.
  "POST /api/datasets": {
    checks: (v) => [PERSON_OR_KEY, ...(v === "home" ? [{ kind: "home", action: "write" } as const] : [{ kind: "library", action: "write" } as const, { kind: "home", action: "read" } as const])],
    variants: ["A", "examples", "home"],
    request: (x) => ({ path: "/api/datasets", form: datasetUpload(x.variant === "home" ? null : x.r.library, x.f.png) }),
  },
  "GET /api/datasets/[id]": { checks: [{ kind: "dataset", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/datasets/${x.r.dataset}` }) },
  "PATCH /api/datasets/[id]": {
    checks: [{ kind: "dataset", action: "write" }],
    variants: HELD,
    request: (x) => {
      const description = `edited ${unique()}`;
      return { path: `/api/datasets/${x.r.dataset}`, json: { description }, intact: async () => (await getDataset(x.r.dataset)).description !== description };
    },
  },
  "DELETE /api/datasets/[id]": { checks: [{ kind: "dataset", action: "delete" }], variants: HELD, request: async (x) => doomed("dataset", await fresh.dataset(x), (id) => `/api/datasets/${id}`) },

  // Sweeps (placed by their dataset's library; starting, cancelling, retrying and posting results are "run")
  "GET /api/sweeps": { checks: LIST, lists: "sweep", request: () => ({ path: "/api/sweeps" }) },
  "POST /api/sweeps": {
    checks: [
      PERSON_OR_KEY,
      { kind: "dataset", action: "run" },
      { kind: "template", action: "read" },
    ],
    variants: HELD,
    request: (x) => ({ path: "/api/sweeps", json: { templateId: x.r.template, datasetId: x.r.dataset, backend: "browser", shots: [0], selections: ["random"] } }),
  },
  "GET /api/sweeps/[id]": { checks: [{ kind: "sweep", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/sweeps/${x.r.sweep}` }) },
  "DELETE /api/sweeps/[id]": { checks: [{ kind: "sweep", action: "delete" }], variants: HELD, request: async (x) => doomed("sweep", await fresh.sweep(x), (id) => `/api/sweeps/${id}`) },
  "POST /api/sweeps/[id]/cancel": {
    checks: [{ kind: "sweep", action: "run" }],
    variants: HELD,
    request: async (x) => {
      const id = await fresh.sweep(x);
      return { path: `/api/sweeps/${id}/cancel`, intact: async () => (await getSweep(id)).status === "queued" };
    },
  },
  "GET /api/sweeps/[id]/curve": { checks: [{ kind: "sweep", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/sweeps/${x.r.sweep}/curve` }) },
  "GET /api/sweeps/[id]/export": { checks: [{ kind: "sweep", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/sweeps/${x.r.sweep}/export?format=csv` }) },
  // The browser's work order: fetched only to run the sweep.
  "GET /api/sweeps/[id]/plan": { checks: [{ kind: "sweep", action: "run" }], variants: HELD, request: (x) => ({ path: `/api/sweeps/${x.r.sweep}/plan?limit=2` }) },
  "GET /api/sweeps/[id]/prompt": {
    checks: [{ kind: "sweep", action: "read" }],
    variants: HELD,
    request: (x) => ({ path: `/api/sweeps/${x.r.sweep}/prompt?itemId=${x.r.evalItem}&shots=0&seed=0&selection=random` }),
  },
  "GET /api/sweeps/[id]/results": { checks: [{ kind: "sweep", action: "read" }], variants: HELD, request: (x) => ({ path: `/api/sweeps/${x.r.sweep}/results` }) },
  "POST /api/sweeps/[id]/results": {
    checks: [{ kind: "sweep", action: "run" }],
    variants: HELD,
    request: (x) => ({ path: `/api/sweeps/${x.r.sweep}/results`, json: { cells: [{ itemId: x.r.evalItem, shots: 0, seed: 0, selection: "random", scores: [-1, -2], ms: 1 }] } }),
  },
  "POST /api/sweeps/[id]/retry": { checks: [{ kind: "sweep", action: "run" }], variants: HELD, request: (x) => ({ path: `/api/sweeps/${x.r.sweep}/retry` }) },

  // Engines (a stored engine is its workspace's: members read and run it, admins change it)
  "GET /api/engines": { checks: LIST, lists: "engine", request: () => ({ path: "/api/engines" }) },
  "POST /api/engines": { checks: [PERSON_OR_KEY, { kind: "home", action: "manage" }], request: () => ({ path: "/api/engines", json: { name: `New engine ${unique()}`, baseUrl: DEAD_URL, model: "m" } }) },
  // Testing unsaved settings makes the server connect anywhere: as creating an engine.
  "POST /api/engines/test": { checks: [PERSON_OR_KEY, { kind: "home", action: "manage" }], request: () => ({ path: "/api/engines/test", json: { name: "Unsaved", baseUrl: DEAD_URL, model: "m" } }) },
  "GET /api/engines/[id]": { checks: [{ kind: "engine", action: "read" }], variants: ENGINES, request: (x) => ({ path: `/api/engines/${engineOf(x)}` }) },
  "PATCH /api/engines/[id]": {
    checks: [{ kind: "engine", action: "write" }],
    variants: ENGINES,
    request: (x) => {
      const model = `m${unique()}`;
      return { path: `/api/engines/${engineOf(x)}`, json: { model }, intact: async () => x.variant === "bundled" || (await findStoredEngine(x.f.engine))?.settings?.model !== model };
    },
  },
  "DELETE /api/engines/[id]": {
    checks: [{ kind: "engine", action: "delete" }],
    variants: ENGINES,
    request: async (x) => {
      const id = await fresh.engine(x);
      return { path: `/api/engines/${id}`, intact: async () => x.variant === "bundled" || (await findStoredEngine(id)) !== null };
    },
  },
  // "Test connection" keeps what it finds with the engine: changing its settings (bundled engines are read-only).
  "POST /api/engines/[id]/test": { checks: [{ kind: "engine", action: "write" }], variants: ENGINES, request: (x) => ({ path: `/api/engines/${engineOf(x)}/test` }) },

  // Images
  "POST /api/assets": { checks: [PERSON_OR_KEY, { kind: "asset", action: "write" }], request: (x) => ({ path: "/api/assets", bytes: x.f.png }) },
  "GET /api/assets/[id]": { checks: [{ kind: "asset", action: "read" }], request: (x) => ({ path: `/api/assets/${x.f.asset}` }) },
  "DELETE /api/assets/[id]": {
    checks: [{ kind: "asset", action: "delete" }],
    request: async () => {
      const img = fakeImage(`doomed ${unique()}`);
      await putAsset(img);
      return { path: `/api/assets/${img.id}`, intact: () => getAssetInfo(img.id).then(() => true, () => false) };
    },
  },
  "GET /api/assets/[id]/thumbnail": { checks: [{ kind: "asset", action: "read" }], request: (x) => ({ path: `/api/assets/${x.f.asset}/thumbnail` }) },

  // Model work (the bundled model; one token at most)
  "POST /api/render": { checks: [{ kind: "model", action: "read" }], request: (x) => ({ path: "/api/render", json: { document: x.f.A.templateDoc, bindings: { image: { assetId: x.f.asset } } } }) },
  // Runs and scores name an engine: the bundled one, or A's stored one (its dead address answers at once).
  "POST /api/runs": { checks: [PERSON_OR_KEY, { kind: "engine", action: "run" }], variants: ENGINES, request: (x) => ({ path: "/api/runs", json: { engine: engineOf(x), prompt: textPrompt, maxTokens: 1, stream: false } }) },
  // Loads the model when it is not loaded: model work on the bundled engine.
  "GET /api/runs": { checks: [{ kind: "engine", action: "run" }], variants: ["bundled"], request: () => ({ path: `/api/runs?model=${BUNDLED_ENGINE}` }) },
  "POST /api/score": { checks: [PERSON_OR_KEY, { kind: "engine", action: "run" }], variants: ENGINES, request: (x) => ({ path: "/api/score", json: { engine: engineOf(x), prompt: textPrompt, candidates: ["a", "b"] } }) },
  "POST /v1/chat/completions": {
    checks: [PERSON_OR_KEY, { kind: "model", action: "run" }],
    request: () => ({ path: "/v1/chat/completions", json: { model: BUNDLED_ENGINE, messages: [{ role: "user", content: "Hi" }], max_tokens: 1 } }),
  },
  "GET /v1/models": { checks: [{ kind: "model", action: "read" }], request: () => ({ path: "/v1/models" }) },
};

// ── Running the matrix ─────────────────────────────────────────────────────────────────────────────

interface Cell {
  row: string;
  caller: TestCaller;
  status: number;
  expected: Outcome[];
  got: Outcome;
  /** Lists: whether the answer showed A's resource, and whether it should have. */
  leak?: { shown: boolean; shouldShow: boolean };
  /** Refused, yet what it would change or remove was changed or removed. */
  damaged?: boolean;
  /** No answer: the handler (or the test's request) threw. */
  broken?: boolean;
  message: string;
}

function buildRequest(method: string, req: Req, caller: TestCaller): Request {
  const headers: Record<string, string> = { ...caller.headers(method), ...req.headers };
  let body: BodyInit | null = null;
  if (req.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(req.json);
  } else if (req.form) {
    body = req.form;
  } else if (req.bytes) {
    headers["content-type"] = "application/octet-stream";
    body = req.bytes as Uint8Array<ArrayBuffer>;
  }
  const url = new URL(`${BASE}${req.path}`);
  for (const [k, v] of Object.entries(caller.query ?? {})) url.searchParams.set(k, v);
  return new Request(url, { method, headers, body });
}

function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const m = typeof parsed.error === "object" ? parsed.error?.message : (parsed.error ?? parsed.message);
    return (m ?? "").slice(0, 140);
  } catch {
    return "";
  }
}

async function runCell(route: RouteMethod, rule: Rule, variant: Variant, caller: TestCaller, f: Fixture): Promise<Cell> {
  const x: Ctx = { f, variant, r: variant === "examples" ? f.examples : f.A, caller };
  const expected = expectedOutcomes(caller.spec, typeof rule.checks === "function" ? rule.checks(variant) : rule.checks, variant, route.method);
  const row = variant === "A" || !rule.variants ? route.key : `${route.key} [${variant}]`;
  try {
    const req = await rule.request(x);
    const request = buildRequest(route.method, req, caller);
    const res = await route.handler(request, { params: Promise.resolve(paramsFor(route.pattern, req.path)) });
    const text = await res.text();
    const cell: Cell = { row, caller, status: res.status, expected, got: outcomeOf(res.status), message: res.status >= 400 ? errorMessage(text) : "" };
    if (cell.got !== "ok" && req.intact) cell.damaged = !(await req.intact());
    if (rule.lists && res.status === 200) {
      const id = rule.lists === "engine" ? f.engine : f.A[rule.lists];
      cell.leak = { shown: listedIds(text).includes(id), shouldShow: seesWorkspaceA(caller.spec) };
    }
    return cell;
  } catch (error) {
    // The handler threw instead of answering, or this test's own request could not be made: reported, not hidden.
    return { row, caller, status: 0, expected, got: "ok", broken: true, message: `threw ${error instanceof Error ? error.message : String(error)}`.slice(0, 200) };
  }
}

/** The ids of a list answer's items ({ templates: [{ id, … }, …] }): what it lists, not what those items mention. */
function listedIds(text: string): string[] {
  const body = JSON.parse(text) as Record<string, unknown>;
  const items = Object.values(body).find(Array.isArray) as { id?: unknown }[] | undefined;
  if (!items) throw new Error(`not a list answer: ${text.slice(0, 200)}`);
  return items.map((item) => String(item.id));
}

const wrong = (c: Cell) => !c.expected.includes(c.got) || (c.leak !== undefined && c.leak.shown !== c.leak.shouldShow) || c.damaged === true || c.broken === true;

function printMatrix(provider: string, callers: TestCaller[], cells: Cell[]): void {
  const rows = [...new Set(cells.map((c) => c.row))];
  const width = Math.max(...rows.map((r) => r.length));
  const lines = [`Permission matrix on ${provider} (status; "!" = not what the rules say; lists: "+" shows A's resource)`];
  lines.push(`${"".padEnd(width)}  ${callers.map((c) => c.label.padStart(7)).join("")}`);
  for (const row of rows) {
    const marks = callers.map((caller) => {
      const c = cells.find((cell) => cell.row === row && cell.caller === caller)!;
      return `${c.status}${c.leak?.shown ? "+" : ""}${wrong(c) ? "!" : ""}`.padStart(7);
    });
    lines.push(`${row.padEnd(width)}  ${marks.join("")}`);
  }
  console.log(lines.join("\n"));
}

describe.each(providers)("permission matrix on %s", (provider) => {
  withStoreDatabase(provider);
  withSharedMode();
  let f: Fixture;
  let routes: RouteMethod[];

  beforeAll(async () => {
    routes = await discoverRoutes();
    f = await createFixture();
  });
  afterAll(releaseServerModels);

  it("has a rule for every route handler on disk, and a route for every rule", () => {
    const onDisk = new Set(routes.map((r) => r.key));
    const missingRules = [...onDisk].filter((k) => !(k in RULES)).map((k) => `route without a rule: ${k} (${routes.find((r) => r.key === k)!.file}) — add it to RULES`);
    const staleRules = Object.keys(RULES)
      .filter((k) => !onDisk.has(k))
      .map((k) => `rule without a route: ${k}`);
    expect([...missingRules, ...staleRules]).toEqual([]);
    expect(routes.length).toBeGreaterThan(40);
  });

  it("answers every route × caller × resource as the rules say", async () => {
    const cells: Cell[] = [];
    for (const route of routes) {
      const rule = RULES[route.key];
      if (!rule) continue; // reported by the test above
      for (const variant of rule.variants ?? ["A"]) {
        for (const caller of f.ids.callers) cells.push(await runCell(route, rule, variant, caller, f));
      }
    }
    printMatrix(provider, f.ids.callers, cells);
    const mismatches = cells.filter(wrong).map((c) => {
      const leak = c.leak && c.leak.shown !== c.leak.shouldShow ? (c.leak.shown ? " and the list shows A's resource" : " but the list hides A's resource") : "";
      const damage = c.damaged ? " but the change was made anyway" : "";
      return `${c.row} × ${c.caller.spec.name}: expected ${c.expected.join("|")}, got ${c.status}${leak}${damage}${c.message ? ` (${c.message})` : ""}`;
    });
    // Allowed cells that still failed after authorization (validation, a dead engine): shown, not judged.
    const after = new Map<string, string[]>();
    for (const c of cells.filter((cell) => cell.got === "ok" && cell.status >= 400)) {
      const key = `${c.row} → ${c.status}${c.message ? ` (${c.message})` : ""}`;
      after.set(key, [...(after.get(key) ?? []), c.caller.label]);
    }
    console.log([`${provider}: ${cells.length} cells, ${mismatches.length} not as the rules say; allowed but refused after authorization:`, ...[...after].map(([k, v]) => `  ${k}: ${v.join(", ")}`)].join("\n"));
    expect(mismatches).toEqual([]);
  }, 300_000);
});
