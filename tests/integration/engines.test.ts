/**
 * The engine registry through its route handlers, on real SQLite and PostgreSQL: bundled packages
 * listed first, then declared engines (STUDIO_ENGINES, read-only), then stored ones; CRUD with PATCH
 * semantics for the key and headers; secrets encrypted at rest (the raw row holds no plaintext) and
 * never in a response body or a log line; duplicate names 409; bad fields 400 with their JSON paths;
 * a shared deployment without STUDIO_SECRET_KEY refusing to store a key; a key from another
 * STUDIO_SECRET_KEY failing with a message that says to enter it again.
 *
 * The engines are real: a second Flamingo Studio server process serving our /v1 with the bundled
 * model (tests/support/v1-server.ts, one for the file), behind the fault proxy
 * (tests/support/fault-proxy.ts) that records what the engine received: the stored key and extra
 * headers arrive there, and nowhere else.
 */
import fs from "node:fs";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as enginesRoute from "@/app/api/engines/route";
import * as engineRoute from "@/app/api/engines/[id]/route";
import * as engineTestRoute from "@/app/api/engines/[id]/test/route";
import * as unsavedTestRoute from "@/app/api/engines/test/route";
import { backendFor, createEngine, deleteEngine, remoteConfig, resetEngineRegistry, updateEngine } from "@/lib/engines";
import { checkAuthConfiguration } from "@/lib/auth/startup";
import { resetSecrets, SECRET_KEY_FILE } from "@/lib/engines/secrets";
import type { DetectedCapabilities, EngineSummary } from "@/lib/engines/types";
import { resetEnv } from "@/lib/env";
import { putAsset } from "@/lib/store";
import { db } from "@/lib/store/db";
import { startFaultProxy, type FaultProxy, type SeenRequest } from "../support/fault-proxy";
import { startV1Server, type V1Server } from "../support/v1-server";
import { providers, withStoreDatabase } from "./support/databases";

/** The bundled model, served by the second server's /v1. */
const MODEL = "flamingo-mini";

let v1: V1Server;
let proxy: FaultProxy;
/** http://127.0.0.1:<port>/v1 of the proxy in front of the /v1 server. */
let engineUrl = "";
/** A loopback port where nothing listens. */
let deadPort = 0;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  v1 = await startV1Server();
  proxy = await startFaultProxy({ target: v1.origin });
  engineUrl = `${proxy.url}/v1`;
  deadPort = await freePort();
});
afterAll(async () => {
  await proxy?.close();
  await v1?.stop();
});

/** What a working probe of our /v1 finds. */
const REAL_CAPS = { ok: true, multiImage: true, topLogprobs: true, promptLogprobs: true, echoLogprobs: false, rankMethod: "prompt_logprobs", models: expect.arrayContaining([MODEL]) };

const BASE = "http://studio.test";
const KEY = `sk-test-${randomBytes(12).toString("hex")}`;
const HEADER_SECRET = `org-${randomBytes(12).toString("hex")}`;
const DECLARED_KEY = `sk-declared-${randomBytes(12).toString("hex")}`;
const SECRETS = [KEY, HEADER_SECRET, DECLARED_KEY];

const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
const req = (method: string, url: string, body?: unknown) =>
  new Request(`${BASE}${url}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body) });

/** Every response body of the file, to check that no secret ever went out. */
const responseTexts: string[] = [];
async function read<T>(res: Response): Promise<{ status: number; body: T }> {
  const text = await res.text();
  responseTexts.push(text);
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
type ErrorBody = { error: { code: string; message: string; details?: { path: (string | number)[]; message: string }[] } };

const list = async () => read<{ engines: EngineSummary[] }>(await enginesRoute.GET(req("GET", "/api/engines")));
const create = async (body: unknown) => read<{ engine: EngineSummary } & ErrorBody>(await enginesRoute.POST(req("POST", "/api/engines", body)));
const get = async (id: string) => read<{ engine: EngineSummary } & ErrorBody>(await engineRoute.GET(req("GET", `/api/engines/${id}`), ctx(id)));
const patch = async (id: string, body: unknown) => read<{ engine: EngineSummary } & ErrorBody>(await engineRoute.PATCH(req("PATCH", `/api/engines/${id}`, body), ctx(id)));
const remove = async (id: string) => read<ErrorBody>(await engineRoute.DELETE(req("DELETE", `/api/engines/${id}`), ctx(id)));
const test = async (id: string) => read<{ engine: EngineSummary; capabilities: DetectedCapabilities } & ErrorBody>(await engineTestRoute.POST(req("POST", `/api/engines/${id}/test`, {}), ctx(id)));
const testUnsaved = async (body: unknown) => read<{ capabilities: DetectedCapabilities } & ErrorBody>(await unsavedTestRoute.POST(req("POST", "/api/engines/test", body)));

const VARS = ["STUDIO_SECRET_KEY", "STUDIO_DATA_DIR", "STUDIO_AUTH", "STUDIO_ENGINES", "STUDIO_ENGINES_FILE", "DATABASE_URL", "TEST_DECLARED_KEY"] as const;
const saved = Object.fromEntries(VARS.map((n) => [n, process.env[n]]));
function setEnv(vars: Partial<Record<(typeof VARS)[number], string>>): void {
  for (const n of VARS) {
    if (vars[n] === undefined) delete process.env[n];
    else process.env[n] = vars[n];
  }
  resetEnv();
  resetSecrets();
  resetEngineRegistry();
}

/** The declared engines (once the /v1 server is up): one on the real engine (its key from the environment), one never reached. */
const declared = () => [
  { name: "GPU box (vLLM)", baseUrl: `${engineUrl}/`, model: MODEL, apiKeyEnv: "TEST_DECLARED_KEY", maxImages: 8 },
  { id: "hosted", name: "Hosted", baseUrl: "https://api.example.com/v1", model: "gpt-4o-mini", headers: { "X-Org": "declared-org" }, promptStyle: "turns" },
];

/** Everything printed while the file runs, to check no secret reaches a log. */
const logged: string[] = [];
/** What backends handed back (results, with their exchanges). */
const backendOutput: string[] = [];
const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) =>
  vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "))),
);

/** A stored engine on the real /v1 (through the proxy; the trailing slash is dropped on save). */
const good = () => ({ name: "Local vLLM", baseUrl: `${engineUrl}/`, model: MODEL, apiKey: KEY, headers: { "X-Org": HEADER_SECRET } });
const declaredEnv = (dataDir: string) => ({ STUDIO_DATA_DIR: dataDir, STUDIO_ENGINES: JSON.stringify(declared()), TEST_DECLARED_KEY: DECLARED_KEY });

/** Requests the engine received: all of them carry the engine's key (and its extra headers). */
const chatRequests = () => proxy.requests.filter((r) => r.path.endsWith("/chat/completions"));
const bearer = (r: SeenRequest) => r.headers.authorization;

describe.each(providers)("engine registry on %s", (provider) => {
  withStoreDatabase(provider);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flamingo-engines-"));
  beforeAll(() => setEnv(declaredEnv(dataDir)));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  let id = "";

  it("lists the bundled package first, then declared engines, then stored ones by name", async () => {
    const empty = await list();
    expect(empty.status).toBe(200);
    expect(empty.body.engines.map((e) => [e.id, e.source])).toEqual([
      ["flamingo-mini", "bundled"],
      ["declared-gpu-box-vllm", "declared"],
      ["hosted", "declared"],
    ]);
    const [bundled, gpu, hosted] = empty.body.engines as [EngineSummary, EngineSummary, EngineSummary];
    expect(bundled).toMatchObject({ kind: "bundled", readOnly: true, settings: null, hasApiKey: false, capabilities: { rankMethod: "exact", multiImage: true, topLogprobs: true, promptLogprobs: true } });
    expect(gpu).toMatchObject({ kind: "openai", readOnly: true, hasApiKey: true, headerNames: [], settings: { baseUrl: engineUrl, model: MODEL, maxImages: 8, timeoutMs: 60_000, promptStyle: "interleaved", image: { format: "jpeg", maxSide: 1024 } } });
    expect(hosted).toMatchObject({ name: "Hosted", hasApiKey: false, headerNames: ["X-Org"], settings: { promptStyle: "turns" } });

    for (const name of ["Zeta", "alpha", "Beta"]) expect((await create({ name, baseUrl: "http://h:1/v1", model: "m" })).status).toBe(201);
    const names = (await list()).body.engines.map((e) => e.name);
    expect(names.slice(0, 3)).toEqual(["flamingo-mini", "GPU box (vLLM)", "Hosted"]);
    expect(names.slice(3)).toEqual([...names.slice(3)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const e of (await list()).body.engines.filter((x) => x.source === "stored")) expect((await remove(e.id)).status).toBe(204);
  });

  it("creates an engine: 201, defaults filled in, the key and header values encrypted at rest and never returned", async () => {
    const res = await create(good());
    expect(res.status).toBe(201);
    const e = res.body.engine;
    id = e.id;
    expect(e).toMatchObject({
      name: "Local vLLM",
      kind: "openai",
      source: "stored",
      readOnly: false,
      hasApiKey: true,
      headerNames: ["X-Org"],
      capabilities: null,
      settings: { baseUrl: engineUrl, model: MODEL, timeoutMs: 60_000, maxConcurrency: 4, maxImages: null, image: { format: "jpeg", maxSide: 1024 }, promptStyle: "interleaved", systemPrompt: null },
    });
    expect(e.createdAt).toEqual(expect.any(String));

    // The local key was generated into STUDIO_DATA_DIR on this first secret.
    expect(fs.statSync(path.join(dataDir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600);

    const rows = await db().$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "Engine" WHERE "id" = '${id}'`);
    expect(rows).toHaveLength(1);
    const raw = JSON.stringify(rows[0]);
    for (const s of [KEY, HEADER_SECRET, "sk-test", "org-"]) expect(raw).not.toContain(s);
    expect(rows[0]!.apiKeyEnc).toMatch(/^v1:/);
    expect(rows[0]!.headersEnc).toMatch(/^v1:/);
    expect(rows[0]!.baseUrl).toBe(engineUrl);

    // Decrypted only for the server.
    const config = await remoteConfig(id);
    expect(config.apiKey).toBe(KEY);
    expect(config.headers).toEqual({ "X-Org": HEADER_SECRET });
    expect((await get(id)).body.engine).toEqual(e);
  });

  it("refuses a duplicate name (also a declared or bundled one) with 409 on the name field", async () => {
    for (const name of ["Local vLLM", "Hosted", "flamingo-mini"]) {
      const res = await create({ ...good(), name });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain(`"${name}"`);
      expect(res.body.error.details?.[0]?.path).toEqual(["name"]);
    }
    const other = await create({ name: "Other", baseUrl: "http://other:8000/v1", model: "m" });
    expect(other.status).toBe(201);
    expect(other.body.engine).toMatchObject({ hasApiKey: false, headerNames: [] });
    const rename = await patch(other.body.engine.id, { name: "Local vLLM" });
    expect(rename.status).toBe(409);
    expect((await remove(other.body.engine.id)).status).toBe(204);
  });

  it("keeps stored names unique per workspace: another workspace may use the same name, not a bundled or declared one", async () => {
    const other = `ws-${randomBytes(4).toString("hex")}`;
    await db().workspace.create({ data: { id: other, name: "Another team" } });
    const theirs = await createEngine({ name: "Local vLLM", baseUrl: "http://their-gpu:8000/v1", model: "m" }, other);
    expect(theirs).toMatchObject({ name: "Local vLLM", source: "stored" });
    expect(theirs.id).not.toBe(id);
    // Within that workspace the name is taken now; the database's unique index says so, whichever path writes.
    await expect(createEngine({ name: "Local vLLM", baseUrl: "http://h:1/v1", model: "m" }, other)).rejects.toMatchObject({ status: 409, message: expect.stringContaining("already exists in this workspace") });
    for (const name of ["Hosted", "flamingo-mini"]) {
      await expect(createEngine({ name, baseUrl: "http://h:1/v1", model: "m" }, other)).rejects.toMatchObject({ status: 409 });
    }
    // This workspace's engine of that name is unchanged, and each answers with its own settings.
    expect((await get(id)).body.engine).toMatchObject({ name: "Local vLLM" });
    expect((await remoteConfig(theirs.id)).baseUrl).toBe("http://their-gpu:8000/v1");
    await deleteEngine(theirs.id);
    await db().workspace.delete({ where: { id: other } });
  });

  it("PATCH: absent fields kept, apiKey string sets / null clears, headers object replaces / null clears", async () => {
    let res = await patch(id, { model: "other-model", image: { maxSide: null }, systemPrompt: "Answer briefly." });
    expect(res.status).toBe(200);
    expect(res.body.engine).toMatchObject({ name: "Local vLLM", hasApiKey: true, headerNames: ["X-Org"], settings: { model: "other-model", image: { format: "jpeg", maxSide: null }, systemPrompt: "Answer briefly.", baseUrl: engineUrl } });
    expect((await remoteConfig(id)).apiKey).toBe(KEY);

    res = await patch(id, { apiKey: `${KEY}-2`, headers: { "X-Team": "blue", "X-Org": HEADER_SECRET }, systemPrompt: "  ", maxImages: 4, image: { format: "png" } });
    expect(res.body.engine).toMatchObject({ hasApiKey: true, headerNames: ["X-Team", "X-Org"], settings: { systemPrompt: null, maxImages: 4, image: { format: "png", maxSide: null } } });
    expect(await remoteConfig(id)).toMatchObject({ apiKey: `${KEY}-2`, headers: { "X-Team": "blue", "X-Org": HEADER_SECRET } });

    res = await patch(id, { apiKey: null, headers: null });
    expect(res.body.engine).toMatchObject({ hasApiKey: false, headerNames: [] });
    expect(await remoteConfig(id)).toMatchObject({ apiKey: null, headers: {} });
    const rows = await db().$queryRawUnsafe<{ apiKeyEnc: string | null; headersEnc: string | null }[]>(`SELECT "apiKeyEnc", "headersEnc" FROM "Engine" WHERE "id" = '${id}'`);
    expect(rows[0]).toEqual({ apiKeyEnc: null, headersEnc: null });

    res = await patch(id, { apiKey: KEY, headers: { "X-Org": HEADER_SECRET }, model: MODEL });
    expect(res.body.engine).toMatchObject({ hasApiKey: true, headerNames: ["X-Org"] });
    expect((await patch(id, {})).status).toBe(200);

    expect((await patch("no-such-engine", { model: "x" })).status).toBe(404);
    expect((await get("no-such-engine")).body.error.message).toBe('Engine "no-such-engine" was not found');
  });

  it("rejects each bad field with a 400 naming its JSON path (and stores nothing)", async () => {
    const cases: [Record<string, unknown>, (string | number)[], RegExp][] = [
      [{ name: "" }, ["name"], /must not be empty/],
      [{ name: "x".repeat(101) }, ["name"], /at most 100/],
      [{ name: "a\u0000b" }, ["name"], /NUL/],
      [{ baseUrl: "ftp://h/v1" }, ["baseUrl"], /http/],
      [{ baseUrl: "not a url" }, ["baseUrl"], /http/],
      [{ baseUrl: "http://user:hunter2@h:8000/v1" }, ["baseUrl"], /put the key in API key/],
      [{ baseUrl: "http://h:8000/v1?x=1" }, ["baseUrl"], /query/],
      [{ model: "" }, ["model"], /must not be empty/],
      [{ model: "m".repeat(201) }, ["model"], /at most 200/],
      [{ timeoutMs: 999 }, ["timeoutMs"], /at least 1000/],
      [{ timeoutMs: 600_001 }, ["timeoutMs"], /at most 600000/],
      [{ timeoutMs: "60000" }, ["timeoutMs"], /must be a number/],
      [{ maxConcurrency: 0 }, ["maxConcurrency"], /at least 1/],
      [{ maxConcurrency: 65 }, ["maxConcurrency"], /at most 64/],
      [{ maxConcurrency: 1.5 }, ["maxConcurrency"], /whole number/],
      [{ maxImages: 0 }, ["maxImages"], /at least 1/],
      [{ maxImages: 1001 }, ["maxImages"], /at most 1000/],
      [{ image: { format: "gif" } }, ["image", "format"], /jpeg/],
      [{ image: { maxSide: 63 } }, ["image", "maxSide"], /at least 64/],
      [{ image: { maxSide: 4097 } }, ["image", "maxSide"], /at most 4096/],
      [{ promptStyle: "chat" }, ["promptStyle"], /interleaved/],
      [{ systemPrompt: "s".repeat(10_001) }, ["systemPrompt"], /at most 10000/],
      [{ systemPrompt: "a\u0000" }, ["systemPrompt"], /NUL/],
      [{ apiKey: "" }, ["apiKey"], /must not be empty/],
      [{ apiKey: "Bearer sk-1" }, ["apiKey"], /without spaces/],
      [{ headers: { Authorization: "Bearer x" } }, ["headers", "Authorization"], /API key/],
      [{ headers: { "content-type": "text/plain" } }, ["headers", "content-type"], /set by the app/],
      [{ headers: { "Content-Length": "1" } }, ["headers", "Content-Length"], /set by the app/],
      [{ headers: { Host: "h" } }, ["headers", "Host"], /set by the app/],
      [{ headers: { "bad name": "v" } }, ["headers", "bad name"], /not a valid header name/],
      [{ headers: { "X-A": "line\r\nX-Injected: 1" } }, ["headers", "X-A"], /one line/],
      [{ headers: { "X-A": "a\u0000" } }, ["headers", "X-A"], /NUL/],
      [{ headers: { "X-A": "1", "x-a": "2" } }, ["headers", "x-a"], /case-insensitive/],
      [{ headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, "v"])) }, ["headers"], /at most 20/],
    ];
    const before = (await list()).body.engines.length;
    for (const [override, where, message] of cases) {
      const res = await create({ ...good(), name: "Bad one", ...override });
      expect(res.status, JSON.stringify(override).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      const detail = res.body.error.details?.find((d) => JSON.stringify(d.path) === JSON.stringify(where));
      expect(detail, `${JSON.stringify(where)} in ${JSON.stringify(res.body.error.details)}`).toBeDefined();
      expect(detail!.message).toMatch(message);
      // The same rules hold for PATCH and for unsaved tests.
      if (!("name" in override)) {
        expect((await patch(id, override)).status).toBe(400);
        expect((await testUnsaved({ ...good(), ...override })).status).toBe(400);
      }
    }
    // Credentials in a URL are never echoed back.
    expect(responseTexts.some((t) => t.includes("hunter2"))).toBe(false);
    // Unknown fields (a typo of apiKey), missing fields and broken JSON.
    const typo = await create({ ...good(), api_key: "x" });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toMatch(/api_key/);
    const missing = await create({ name: "No URL" });
    expect(missing.body.error.details?.map((d) => d.path[0])).toEqual(expect.arrayContaining(["baseUrl", "model"]));
    expect((await create("{not json")).status).toBe(400);
    expect((await list()).body.engines.length).toBe(before);
    expect((await get(id)).body.engine.settings?.model).toBe(MODEL);
  });

  it("keeps bundled and declared engines read-only (409), and gives the declared key to the server only", async () => {
    for (const target of ["flamingo-mini", "declared-gpu-box-vllm", "hosted"]) {
      const p = await patch(target, { model: "x" });
      expect(p.status).toBe(409);
      const d = await remove(target);
      expect(d.status).toBe(409);
      expect(d.body.error.message).toMatch(target === "flamingo-mini" ? /bundled/ : /STUDIO_ENGINES/);
    }
    expect((await get("declared-gpu-box-vllm")).body.engine).toMatchObject({ source: "declared", hasApiKey: true });
    expect(await remoteConfig("declared-gpu-box-vllm")).toMatchObject({ apiKey: DECLARED_KEY, baseUrl: engineUrl, maxImages: 8 });
    expect(await remoteConfig("hosted")).toMatchObject({ apiKey: null, headers: { "X-Org": "declared-org" } });
    await expect(remoteConfig("flamingo-mini")).rejects.toThrow(/bundled model, not a remote engine/);
  });

  it("tests connections on the real engine: a stored one keeps what the probe found, a declared one in memory, unsaved settings nowhere", async () => {
    proxy.reset();
    const stored = await test(id);
    expect(stored.status).toBe(200);
    const caps = stored.body.capabilities;
    expect(caps).toMatchObject(REAL_CAPS);
    expect(caps.steps.map((s) => [s.name, s.ok])).toEqual([
      ["models", true],
      ["one_image", true],
      ["two_images", true],
      ["top_logprobs", true],
      ["prompt_logprobs", true],
      ["echo_logprobs", false],
    ]);
    expect(caps.steps[0]!.detail).toContain(`serves ${MODEL}`);
    expect(stored.body.engine.capabilities).toEqual(caps);
    expect((await get(id)).body.engine.capabilities).toEqual(caps);
    expect((await remoteConfig(id)).capabilities).toEqual(caps);
    // The engine received the stored key and the extra header with every request.
    expect(proxy.count("/v1/models")).toBe(1);
    expect(chatRequests().length).toBeGreaterThanOrEqual(4);
    for (const r of proxy.requests) expect([r.path, bearer(r), r.headers["x-org"]]).toEqual([r.path, `Bearer ${KEY}`, HEADER_SECRET]);

    proxy.reset();
    const onDeclared = await test("declared-gpu-box-vllm");
    expect(onDeclared.status).toBe(200);
    expect(onDeclared.body.capabilities).toMatchObject(REAL_CAPS);
    expect(onDeclared.body.engine.capabilities).toEqual(onDeclared.body.capabilities);
    expect((await get("declared-gpu-box-vllm")).body.engine.capabilities).toEqual(onDeclared.body.capabilities);
    expect((await remoteConfig("declared-gpu-box-vllm")).capabilities).toEqual(onDeclared.body.capabilities);
    expect(proxy.count()).toBeGreaterThanOrEqual(5);
    for (const r of proxy.requests) expect([bearer(r), r.headers["x-org"]]).toEqual([`Bearer ${DECLARED_KEY}`, undefined]);
    // Kept in memory only: a fresh registry has not tested it.
    resetEngineRegistry();
    expect((await get("declared-gpu-box-vllm")).body.engine.capabilities).toBeNull();
    expect((await get(id)).body.engine.capabilities).toEqual(caps);

    proxy.reset();
    const bundled = await test("flamingo-mini");
    expect(bundled.body.capabilities.rankMethod).toBe("exact");
    expect(proxy.count()).toBe(0);

    const count = (await list()).body.engines.length;
    const unsaved = await testUnsaved({ ...good(), name: "Not saved", headers: { "X-Org": HEADER_SECRET, "X-Unsaved": "yes" } });
    expect(unsaved.status).toBe(200);
    expect(unsaved.body.capabilities).toMatchObject(REAL_CAPS);
    expect(proxy.count()).toBeGreaterThanOrEqual(5);
    for (const r of proxy.requests) expect([bearer(r), r.headers["x-org"], r.headers["x-unsaved"]]).toEqual([`Bearer ${KEY}`, HEADER_SECRET, "yes"]);
    expect((await list()).body.engines.length).toBe(count);
    expect((await get(id)).body.engine.capabilities).toEqual(caps);
    expect((await test("no-such-engine")).status).toBe(404);
  });

  it("says why when nothing listens at the engine's address: ok false, each step in words (200, not 500)", async () => {
    const nowhere = `http://127.0.0.1:${deadPort}/v1`;
    const unreachable = new RegExp(`^Could not reach the engine Nowhere at http://127\\.0\\.0\\.1:${deadPort}: .*ECONNREFUSED`);
    const unsaved = await testUnsaved({ ...good(), name: "Nowhere", baseUrl: nowhere });
    expect(unsaved.status).toBe(200);
    const caps = unsaved.body.capabilities;
    expect(caps).toMatchObject({ ok: false, models: null, multiImage: false, topLogprobs: false, promptLogprobs: false, echoLogprobs: false, rankMethod: "generate_match" });
    expect(caps.steps).toHaveLength(6);
    for (const step of caps.steps) expect(step).toMatchObject({ ok: false, detail: expect.stringMatching(unreachable) });

    const created = await create({ name: "Nowhere", baseUrl: nowhere, model: MODEL });
    expect(created.status).toBe(201);
    const res = await test(created.body.engine.id);
    expect(res.status).toBe(200);
    expect(res.body.capabilities).toMatchObject({ ok: false, rankMethod: "generate_match" });
    expect(res.body.capabilities.steps[0]).toMatchObject({ name: "models", ok: false, detail: expect.stringMatching(unreachable) });
    expect((await get(created.body.engine.id)).body.engine.capabilities).toEqual(res.body.capabilities);
    expect((await remove(created.body.engine.id)).status).toBe(204);
  });

  it("hands a remote backend the decrypted config and what the probe found (generate answers a one-image prompt), and the bundled one the package", async () => {
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: "#cc3333" } }).png().toBuffer();
    const bytes = new Uint8Array(png);
    const assetId = createHash("sha256").update(bytes).digest("hex");
    await putAsset({ id: assetId, mediaType: "image/png", width: 32, height: 32, bytes, thumbnail: new Uint8Array([1]) });

    const remote = await backendFor(id);
    expect(remote).toMatchObject({ id, kind: "openai", model: MODEL });
    // The probe's rank method and the PATCHed image limit reached the backend.
    expect(remote.capabilities()).toMatchObject({ streaming: true, rankMethods: ["prompt_logprobs", "first_token_logprobs", "generate_match"], maxImagesPerPrompt: 4 });

    proxy.reset();
    const out = await remote.generate({ parts: [{ type: "image", assetId }, { type: "text", text: "What colour is this image? Answer in one word." }] }, { maxTokens: 4 });
    backendOutput.push(JSON.stringify(out));
    expect(out).toMatchObject({ engine: id, model: MODEL, executionProvider: "remote" });
    expect(out.text).toEqual(expect.any(String));
    expect(out.usage.promptTokens).toBeGreaterThan(0);
    expect(out.usage.completionTokens).toBeGreaterThan(0);
    expect(out.usage.completionTokens).toBeLessThanOrEqual(4);
    // One request, with the stored image as it is (PNG, no resize: the engine's settings) and the engine's credentials.
    const [sent, ...more] = chatRequests();
    expect(more).toHaveLength(0);
    expect([bearer(sent!), sent!.headers["x-org"]]).toEqual([`Bearer ${KEY}`, HEADER_SECRET]);
    const content = (sent!.json as { model: string; messages: { content: { type: string; image_url?: { url: string } }[] }[] }).messages[0]!.content;
    expect(content[0]).toEqual({ type: "image_url", image_url: { url: `data:image/png;base64,${Buffer.from(bytes).toString("base64")}` } });
    expect((sent!.json as { model: string }).model).toBe(MODEL);

    const bundled = await backendFor("flamingo-mini");
    expect(bundled).toMatchObject({ id: "flamingo-mini", kind: "bundled", model: "flamingo-mini" });
    await expect(backendFor("no-such-engine")).rejects.toThrow(/was not found/);
  });

  describe("with other keys", () => {
    afterEach(() => setEnv(declaredEnv(dataDir)));

    it("says a key saved under another STUDIO_SECRET_KEY cannot be decrypted; listing still works; entering it again fixes it", async () => {
      setEnv({ STUDIO_DATA_DIR: dataDir, STUDIO_SECRET_KEY: randomBytes(32).toString("base64") });
      await expect(remoteConfig(id)).rejects.toThrow("The engine's API key cannot be decrypted with this STUDIO_SECRET_KEY; enter it again.");
      const summary = (await get(id)).body.engine;
      expect(summary).toMatchObject({ hasApiKey: true, headerNames: [] });
      expect((await test(id)).body.error).toMatchObject({ code: "unprocessable", message: expect.stringMatching(/cannot be decrypted/) });
      expect((await patch(id, { apiKey: KEY, headers: { "X-Org": HEADER_SECRET } })).status).toBe(200);
      expect((await remoteConfig(id)).apiKey).toBe(KEY);
    });

    it("in a shared deployment without STUDIO_SECRET_KEY, refuses to start (naming it), and the registry refuses to store a key or headers but stores engines without", async () => {
      setEnv({ STUDIO_DATA_DIR: dataDir, STUDIO_AUTH: "required" });
      // Sign-in needs the key too, so such a deployment never serves a request: the start is refused first.
      expect(() => checkAuthConfiguration()).toThrow(/STUDIO_AUTH=required.*needs STUDIO_SECRET_KEY/);
      for (const body of [{ ...good(), name: "Shared", headers: undefined }, { ...good(), name: "Shared", apiKey: undefined }]) {
        await expect(createEngine(body)).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/set STUDIO_SECRET_KEY/) });
      }
      await expect(updateEngine(id, { apiKey: "sk-new" })).rejects.toMatchObject({ status: 422 });
      const plain = await createEngine({ name: "Shared", baseUrl: "http://shared:8000/v1", model: "m" });
      await expect(updateEngine(plain.id, { apiKey: null, timeoutMs: 5000 })).resolves.toMatchObject({ id: plain.id });
      await deleteEngine(plain.id);
    });

    it("names the entry and field of a bad declared engine, without echoing its key", async () => {
      setEnv({
        STUDIO_DATA_DIR: dataDir,
        STUDIO_ENGINES: JSON.stringify([{ name: "Fine", baseUrl: "http://a/v1", model: "m" }, { name: "Broken", baseUrl: "http://u:p@b/v1", model: "m", apiKey: "sk-leak-me", timeoutMs: 5 }]),
      });
      const res = await list();
      expect(res.status).toBe(503);
      const message = (res.body as unknown as ErrorBody).error.message;
      expect(message).toMatch(/STUDIO_ENGINES\[1\] \("Broken"\)\.baseUrl: .*put the key in API key/);
      expect(message).toMatch(/STUDIO_ENGINES\[1\] \("Broken"\)\.timeoutMs: must be at least 1000/);
      expect(message).not.toContain("sk-leak-me");

      setEnv({ STUDIO_DATA_DIR: dataDir, STUDIO_ENGINES: '[{"name": "x", "apiKey": "sk-in-bad-json"' });
      const bad = await list();
      expect((bad.body as unknown as ErrorBody).error.message).toMatch(/STUDIO_ENGINES is not valid JSON/);
      expect(JSON.stringify(bad.body)).not.toContain("sk-in-bad-json");

      setEnv({ STUDIO_DATA_DIR: dataDir, STUDIO_ENGINES: JSON.stringify([{ name: "Env key", baseUrl: "http://a/v1", model: "m", apiKeyEnv: "TEST_DECLARED_KEY" }]) });
      expect(((await list()).body as unknown as ErrorBody).error.message).toMatch(/STUDIO_ENGINES\[0\] \("Env key"\)\.apiKeyEnv: the variable TEST_DECLARED_KEY is not set/);

      const file = path.join(dataDir, "engines.json");
      fs.writeFileSync(file, JSON.stringify([{ name: "From file", baseUrl: "http://file:8000/v1", model: "m" }]));
      setEnv({ STUDIO_DATA_DIR: dataDir, STUDIO_ENGINES_FILE: file });
      expect((await list()).body.engines.filter((e) => e.source === "declared").map((e) => e.id)).toEqual(["declared-from-file"]);
    });
  });

  it("deletes a stored engine: 204, then 404", async () => {
    expect((await remove(id)).status).toBe(204);
    expect((await get(id)).status).toBe(404);
    expect((await remove(id)).status).toBe(404);
  });
});

describe("secrets never leave the server", () => {
  afterAll(() => {
    for (const s of spies) s.mockRestore();
    setEnv(saved as Partial<Record<(typeof VARS)[number], string>>);
  });

  it("no response body or backend result of this file, and nothing logged (here or by the engine's process), holds a key or a header value", () => {
    expect(responseTexts.length).toBeGreaterThan(50);
    expect(backendOutput).toHaveLength(providers.length);
    for (const text of [...responseTexts, ...backendOutput, ...logged, v1.output()]) for (const s of SECRETS) expect(text).not.toContain(s);
  });
});
