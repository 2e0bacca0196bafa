/**
 * Request hygiene, through the route handlers and the proxy as Next calls them: cross-site writes are
 * refused (403) and create nothing, JSON bodies must be labelled application/json (415), a Host the
 * deployment does not name is refused (421) before anything else, and a body without Content-Length is
 * counted while it streams and cut at its limit (413) — the test counts the bytes pulled from the stream.
 */
import { NextRequest } from "next/server";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as assetsRoute from "@/app/api/assets/route";
import * as datasetsRoute from "@/app/api/datasets/route";
import * as healthRoute from "@/app/api/health/route";
import * as librariesRoute from "@/app/api/libraries/route";
import * as templatesRoute from "@/app/api/templates/route";
import * as versionsRoute from "@/app/api/templates/[id]/versions/route";
import * as restoreRoute from "@/app/api/templates/[id]/versions/[version]/restore/route";
import * as chatRoute from "@/app/v1/chat/completions/route";
import * as modelsRoute from "@/app/v1/models/route";
import { DATASET_MAX_UPLOAD_BYTES } from "@/lib/datasets";
import { env, resetEnv } from "@/lib/env";
import { DEFAULT_JSON_LIMIT_BYTES } from "@/lib/http/respond";
import { proxy } from "@/proxy";
import { captionDoc } from "./support/fixtures";
import { withStoreDatabase } from "./support/databases";
import { templateRowCounts } from "./support/row-counts";

const BASE = "http://studio.test";
const EVIL = "https://evil.example";
/** The handler declares no parameter, but Next passes the request (and route() checks it). */
const listLibraries = librariesRoute.GET as unknown as (request: Request) => Promise<Response>;
const params = <T extends Record<string, string>>(p: T) => ({ params: Promise.resolve(p) });

function request(path: string, init: { method?: string; headers?: Record<string, string>; body?: BodyInit | null } = {}): Request {
  return new Request(`${BASE}${path}`, { method: init.method ?? "POST", headers: init.headers, body: init.body ?? null });
}
const jsonHeaders = (extra: Record<string, string> = {}) => ({ "content-type": "application/json", ...extra });

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}

/** A body with no Content-Length that yields `chunkBytes` per pull (only when read) and counts what was pulled. */
function countingStream(totalBytes: number, chunkBytes = 64 * 1024) {
  const counter = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (counter.pulled >= totalBytes) return controller.close();
        counter.pulled += chunkBytes;
        controller.enqueue(new Uint8Array(chunkBytes).fill(0x20));
      },
      cancel() {
        counter.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

function streamedRequest(path: string, contentType: string, body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
  return new Request(`${BASE}${path}`, { method: "POST", headers: { "content-type": contentType, ...headers }, body, duplex: "half" } as RequestInit);
}

const ENV_KEYS = ["STUDIO_ALLOWED_HOSTS", "STUDIO_ALLOWED_ORIGINS", "STUDIO_PUBLIC_URL"] as const;
function setEnv(values: Partial<Record<(typeof ENV_KEYS)[number], string>>) {
  for (const k of ENV_KEYS) {
    if (values[k] === undefined) delete process.env[k];
    else process.env[k] = values[k];
  }
  resetEnv();
}

describe("HTTP hardening", () => {
  withStoreDatabase("sqlite");
  let libraryId = "";
  let templateId = "";

  beforeAll(async () => {
    setEnv({});
    const lib = await librariesRoute.POST(request("/api/libraries", { headers: jsonHeaders(), body: JSON.stringify({ name: "Hardening" }) }));
    expect(lib.status).toBe(201);
    libraryId = ((await lib.json()) as { library: { id: string } }).library.id;
    const created = await templatesRoute.POST(request("/api/templates", { headers: jsonHeaders(), body: JSON.stringify({ libraryId, document: captionDoc("Hardening") }) }));
    expect(created.status).toBe(201);
    templateId = ((await created.json()) as { template: { id: string } }).template.id;
  });

  afterEach(() => setEnv({}));

  it("refuses a cross-site form post (Origin elsewhere, text/plain carrying JSON) on every kind of write, and creates nothing", async () => {
    const before = await templateRowCounts();
    // What <form enctype="text/plain" method="post" action="…"> on evil.example sends.
    const form = (path: string, body: unknown) =>
      request(path, { headers: { origin: EVIL, "sec-fetch-site": "cross-site", "content-type": "text/plain" }, body: JSON.stringify(body) });
    const refusals = [
      await librariesRoute.POST(form("/api/libraries", { name: "Planted" })),
      await templatesRoute.POST(form("/api/templates", { libraryId, document: captionDoc("Planted") })),
      await versionsRoute.POST(form(`/api/templates/${templateId}/versions`, { document: captionDoc("Planted"), baseVersion: 1 }), params({ id: templateId })),
    ];
    for (const res of refusals) {
      const e = await errorOf(res);
      expect(e).toMatchObject({ status: 403, code: "forbidden" });
      expect(e.message).toContain(EVIL);
      expect(e.message).toContain("STUDIO_ALLOWED_ORIGINS");
    }
    // /v1 answers in OpenAI's error shape.
    const v1 = await chatRoute.POST(form("/v1/chat/completions", { model: "flamingo-mini", messages: [{ role: "user", content: "hi" }] }));
    expect(v1.status).toBe(403);
    expect(((await v1.json()) as { error: { type: string; code: string } }).error).toMatchObject({ type: "invalid_request_error", code: "forbidden" });

    // Sec-Fetch-Site alone (no Origin), an opaque "null" origin, a look-alike name: refused, JSON label or not.
    const noOrigin = await librariesRoute.POST(request("/api/libraries", { headers: jsonHeaders({ "sec-fetch-site": "cross-site" }), body: JSON.stringify({ name: "Planted" }) }));
    expect(noOrigin.status).toBe(403);
    const nullOrigin = await librariesRoute.POST(request("/api/libraries", { headers: jsonHeaders({ origin: "null" }), body: JSON.stringify({ name: "Planted" }) }));
    expect(nullOrigin.status).toBe(403);
    const lookalike = await librariesRoute.POST(request("/api/libraries", { headers: jsonHeaders({ origin: "http://studio.test.evil.example" }), body: JSON.stringify({ name: "Planted" }) }));
    expect(lookalike.status).toBe(403);

    // Without an Origin (so the origin check passes), a text/plain or form body is still not read as JSON.
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const e = await errorOf(await librariesRoute.POST(request("/api/libraries", { headers: { "content-type": contentType }, body: JSON.stringify({ name: "Planted" }) })));
      expect(e).toMatchObject({ status: 415, code: "unsupported_media_type" });
      expect(e.message).toMatch(/send the body as application\/json/i);
    }
    const unlabelled = await templatesRoute.POST(request("/api/templates", { body: new TextEncoder().encode(JSON.stringify({ libraryId, document: captionDoc("Planted") })) }));
    expect(unlabelled.status).toBe(415);
    const v1Plain = await chatRoute.POST(request("/v1/chat/completions", { headers: { "content-type": "text/plain" }, body: "{}" }));
    expect(v1Plain.status).toBe(415);

    expect(await templateRowCounts()).toEqual(before);
  });

  it("accepts same-origin JSON, JSON without an Origin (curl, SDKs), +json types and configured origins", async () => {
    const create = async (name: string, headers: Record<string, string>, url = `${BASE}/api/libraries`) =>
      librariesRoute.POST(new Request(url, { method: "POST", headers, body: JSON.stringify({ name }) }));
    expect((await create("Same origin", jsonHeaders({ origin: BASE, "sec-fetch-site": "same-origin" }))).status).toBe(201);
    expect((await create("No origin", jsonHeaders())).status).toBe(201);
    expect((await create("Charset", { "content-type": "application/json; charset=utf-8" })).status).toBe(201);
    expect((await create("Suffix", { "content-type": "application/vnd.flamingo+json" })).status).toBe(201);
    // Next builds request.url from the address it listens on; the browser's origin is the Host it asked for.
    expect((await create("Behind a name", jsonHeaders({ host: "studio.example:8080", origin: "http://studio.example:8080", "sec-fetch-site": "same-origin" }), "http://localhost:3000/api/libraries")).status).toBe(201);
    expect((await create("Wrong scheme", jsonHeaders({ origin: "https://studio.test" }))).status).toBe(403);

    // A restore with no body at all still works (an empty body is `{}`).
    const restored = await restoreRoute.POST(request(`/api/templates/${templateId}/versions/1/restore`), params({ id: templateId, version: "1" }));
    expect(restored.status).toBe(201);

    // STUDIO_PUBLIC_URL also turns the Host check on: these requests name its host.
    setEnv({ STUDIO_ALLOWED_ORIGINS: "https://tools.example.org", STUDIO_PUBLIC_URL: "https://studio.example.com" });
    const atPublic = (origin: string, site?: string) => jsonHeaders({ host: "studio.example.com", origin, ...(site ? { "sec-fetch-site": site } : {}) });
    expect((await create("Allowed tool", atPublic("https://tools.example.org", "cross-site"), "http://localhost:3000/api/libraries")).status).toBe(201);
    // Behind a TLS proxy that keeps Host but sends no x-forwarded-proto, request.url says http: the
    // public URL's origin is still the studio's own.
    expect((await create("Public URL", atPublic("https://studio.example.com", "same-origin"), "http://localhost:3000/api/libraries")).status).toBe(201);
    expect((await create("Still evil", atPublic(EVIL, "cross-site"), "http://localhost:3000/api/libraries")).status).toBe(403);
  });

  it("refuses a Host the deployment does not name (DNS rebinding) with 421 before anything else, on reads and writes", async () => {
    const before = await templateRowCounts();
    setEnv({ STUDIO_ALLOWED_HOSTS: "studio.example.com, localhost:3000" });
    expect(env().STUDIO_ALLOWED_HOSTS).toEqual(["studio.example.com", "localhost:3000"]);
    const at = (host: string, path = "/api/libraries", init: { method?: string; body?: string } = {}) =>
      new Request(`http://localhost:3000${path}`, { method: init.method ?? "GET", headers: jsonHeaders({ host, ...(init.body ? { origin: `http://${host}` } : {}) }), body: init.body ?? null });

    for (const res of [
      await listLibraries(at("rebound.evil.example:3000")),
      await librariesRoute.POST(at("rebound.evil.example:3000", "/api/libraries", { method: "POST", body: JSON.stringify({ name: "Planted" }) })),
      await healthRoute.GET(at("127.0.0.1:3000", "/api/health")),
      await listLibraries(at("localhost:3001")),
    ]) {
      const e = await errorOf(res);
      expect(e).toMatchObject({ status: 421, code: "misdirected_request" });
      expect(e.message).toContain("STUDIO_ALLOWED_HOSTS");
    }
    const v1 = await modelsRoute.GET(at("rebound.evil.example", "/v1/models"));
    expect(v1.status).toBe(421);
    expect(((await v1.json()) as { error: { code: string } }).error.code).toBe("misdirected_request");
    // Even a cross-site write gets the Host answer first: nothing about a misdirected request is trusted.
    const both = await librariesRoute.POST(new Request(`${BASE}/api/libraries`, { method: "POST", headers: jsonHeaders({ host: "rebound.evil.example", origin: EVIL }), body: "{}" }));
    expect(both.status).toBe(421);

    // Named hosts pass: any port for a bare name, the listed port otherwise; a trailing dot is the same name.
    expect((await listLibraries(at("studio.example.com"))).status).toBe(200);
    expect((await listLibraries(at("STUDIO.example.com.:443"))).status).toBe(200);
    expect((await listLibraries(at("localhost:3000"))).status).toBe(200);

    // STUDIO_PUBLIC_URL alone names its host.
    setEnv({ STUDIO_PUBLIC_URL: "https://studio.example.com" });
    expect((await listLibraries(at("studio.example.com"))).status).toBe(200);
    expect((await listLibraries(at("localhost:3000"))).status).toBe(421);
    // Unset: local mode, no Host check.
    setEnv({});
    expect((await listLibraries(at("rebound.evil.example:3000"))).status).toBe(200);
    expect(await templateRowCounts()).toEqual(before);
  });

  it("cuts a streamed body without Content-Length at its limit (413) having pulled no more than the limit and a chunk", async () => {
    const before = await templateRowCounts();
    const CHUNK = 64 * 1024;
    const cases: { name: string; limit: number; send: (body: ReadableStream<Uint8Array>) => Promise<Response> }[] = [
      { name: "JSON (readJson)", limit: DEFAULT_JSON_LIMIT_BYTES, send: (b) => templatesRoute.POST(streamedRequest("/api/templates", "application/json", b)) },
      { name: "/v1 body", limit: 24 * 1024 * 1024, send: (b) => chatRoute.POST(streamedRequest("/v1/chat/completions", "application/json", b)) },
      { name: "raw image upload", limit: env().ASSET_MAX_BYTES, send: (b) => assetsRoute.POST(streamedRequest("/api/assets", "application/octet-stream", b)) },
      { name: "multipart image upload", limit: env().ASSET_MAX_BYTES + 64 * 1024, send: (b) => assetsRoute.POST(streamedRequest("/api/assets", "multipart/form-data; boundary=x", b)) },
      { name: "multipart dataset upload", limit: DATASET_MAX_UPLOAD_BYTES, send: (b) => datasetsRoute.POST(streamedRequest("/api/datasets", "multipart/form-data; boundary=x", b)) },
    ];
    for (const c of cases) {
      const { stream, counter } = countingStream(c.limit * 4, CHUNK);
      const res = await c.send(stream);
      expect(res.status, c.name).toBe(413);
      expect(res.headers.get("connection"), c.name).toBe("close");
      expect(counter.pulled, c.name).toBeGreaterThan(c.limit);
      expect(counter.pulled, c.name).toBeLessThanOrEqual(c.limit + 2 * CHUNK);
      expect(counter.cancelled, c.name).toBe(true);
    }

    // A declared Content-Length over the limit is refused before a byte is read.
    const { stream, counter } = countingStream(DATASET_MAX_UPLOAD_BYTES * 2, CHUNK);
    const declared = await datasetsRoute.POST(streamedRequest("/api/datasets", "multipart/form-data; boundary=x", stream, { "content-length": String(DATASET_MAX_UPLOAD_BYTES * 2) }));
    expect(declared.status).toBe(413);
    expect(counter.pulled).toBe(0);

    // Under the limit, a multipart upload read this way still parses (a bad image: 415 from its content).
    const form = new FormData();
    form.set("file", new Blob([new TextEncoder().encode("not an image")], { type: "image/png" }), "x.png");
    const small = await assetsRoute.POST(new Request(`${BASE}/api/assets`, { method: "POST", body: form }));
    expect(small.status).toBe(415);
    expect((await errorOf(small)).message).toContain("not a PNG");
    expect(await templateRowCounts()).toEqual(before);
  });

  it("the proxy gives pages a nonce CSP (and hands it to Next), and applies the same Host and cross-site checks", () => {
    const page = proxy(new NextRequest(`${BASE}/library`, { headers: { host: "studio.test" } }));
    const csp = page.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    // Next reads the nonce from the request's CSP header, forwarded by NextResponse.next({ request }).
    expect(page.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    for (const directive of ["default-src 'self'", "'strict-dynamic'", "'wasm-unsafe-eval'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'", "connect-src 'self'", "worker-src 'self' blob:"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    const again = proxy(new NextRequest(`${BASE}/library`));
    expect(again.headers.get("content-security-policy")).not.toBe(csp);

    setEnv({ STUDIO_ALLOWED_HOSTS: "studio.test" });
    expect(proxy(new NextRequest(`${BASE}/library`, { headers: { host: "rebound.evil.example" } })).status).toBe(421);
    expect(proxy(new NextRequest(`${BASE}/library`, { headers: { host: "studio.test" } })).status).toBe(200);
    expect(proxy(new NextRequest(`${BASE}/library`, { method: "POST", headers: { host: "studio.test", origin: EVIL }, body: "x" })).status).toBe(403);
  });
});
