/**
 * transformers.js engines in the registry, through the route handlers on real SQLite and PostgreSQL: created
 * with kind "transformersjs" (defaults filled in: q4f16, device auto, turns, no image limit), listed and read
 * back with their `browser` settings and known capabilities, changed with PATCH (dtype, device, model checked
 * by kind; remote-only fields refused), removed. The server refuses to run or test them — they run in the
 * user's browser only — with a 400 that says so: backendFor, /api/runs, /api/score, both test routes.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as enginesRoute from "@/app/api/engines/route";
import * as engineRoute from "@/app/api/engines/[id]/route";
import * as engineTestRoute from "@/app/api/engines/[id]/test/route";
import * as unsavedTestRoute from "@/app/api/engines/test/route";
import * as runsRoute from "@/app/api/runs/route";
import * as scoreRoute from "@/app/api/score/route";
import { backendFor, resetEngineRegistry } from "@/lib/engines";
import { resetSecrets } from "@/lib/engines/secrets";
import type { EngineSummary } from "@/lib/engines/types";
import { resetEnv } from "@/lib/env";
import { db } from "@/lib/store/db";
import { providers, withStoreDatabase } from "./support/databases";

const BASE = "http://studio.test";
const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
const req = (method: string, url: string, body?: unknown) =>
  new Request(`${BASE}${url}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? null : JSON.stringify(body) });
type ErrorBody = { error: { code: string; message: string; details?: { path: (string | number)[]; message: string }[] } };
async function read<T>(res: Response): Promise<{ status: number; body: T }> {
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

const list = async () => read<{ engines: EngineSummary[] }>(await enginesRoute.GET(req("GET", "/api/engines")));
const create = async (body: unknown) => read<{ engine: EngineSummary } & ErrorBody>(await enginesRoute.POST(req("POST", "/api/engines", body)));
const get = async (id: string) => read<{ engine: EngineSummary } & ErrorBody>(await engineRoute.GET(req("GET", `/api/engines/${id}`), ctx(id)));
const patch = async (id: string, body: unknown) => read<{ engine: EngineSummary } & ErrorBody>(await engineRoute.PATCH(req("PATCH", `/api/engines/${id}`, body), ctx(id)));
const remove = async (id: string) => read<ErrorBody>(await engineRoute.DELETE(req("DELETE", `/api/engines/${id}`), ctx(id)));

const VARS = ["STUDIO_SECRET_KEY", "STUDIO_DATA_DIR", "STUDIO_AUTH", "STUDIO_ENGINES", "STUDIO_ENGINES_FILE"] as const;
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
afterAll(() => setEnv(saved as Partial<Record<(typeof VARS)[number], string>>));

const PROMPT = { parts: [{ type: "text", text: "A photo of" }] };
const TINY = { kind: "transformersjs", name: "Tiny SmolVLM", model: "/models-test/tiny-smolvlm" };

describe.each(providers)("transformers.js engines in the registry on %s", (provider) => {
  withStoreDatabase(provider);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flamingo-tfjs-engines-"));
  beforeAll(() => setEnv({ STUDIO_DATA_DIR: dataDir }));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  let id = "";

  it("creates one with its defaults filled in, lists it with its kind and browser settings, reads it back", async () => {
    const res = await create(TINY);
    expect(res.status).toBe(201);
    const e = res.body.engine;
    id = e.id;
    expect(e).toMatchObject({
      name: "Tiny SmolVLM",
      kind: "transformersjs",
      source: "stored",
      readOnly: false,
      settings: null,
      browser: { model: "/models-test/tiny-smolvlm", dtype: "q4f16", device: "auto", promptStyle: "turns", maxImages: null },
      hasApiKey: false,
      headerNames: [],
      capabilities: { ok: true, multiImage: true, rankMethod: "exact", models: ["/models-test/tiny-smolvlm"] },
    });
    const rows = await db().$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "Engine" WHERE "id" = '${id}'`);
    expect(rows[0]).toMatchObject({ kind: "transformersjs", baseUrl: "", model: "/models-test/tiny-smolvlm", apiKeyEnc: null, headersEnc: null });
    expect(JSON.parse(rows[0]!.settings as string)).toEqual({ dtype: "q4f16", device: "auto" });

    const listed = (await list()).body.engines.find((x) => x.id === id);
    expect(listed).toEqual(e);
    expect((await get(id)).body.engine).toEqual(e);
  });

  it("keeps a per-module dtype, a device, a hub id and an image limit; the list says one image per prompt", async () => {
    const dtype = { vision_encoder: "fp32", embed_tokens: "q8", decoder_model_merged: "q4f16" };
    const res = await create({ kind: "transformersjs", name: "SmolVLM 256M", model: "HuggingFaceTB/SmolVLM-256M-Instruct", dtype, device: "wasm", promptStyle: "interleaved", maxImages: 1 });
    expect(res.status).toBe(201);
    expect(res.body.engine.browser).toEqual({ model: "HuggingFaceTB/SmolVLM-256M-Instruct", dtype, device: "wasm", promptStyle: "interleaved", maxImages: 1 });
    expect(res.body.engine.capabilities).toMatchObject({ multiImage: false });
    expect((await remove(res.body.engine.id)).status).toBe(204);
  });

  it("refuses bad fields with 400 and their paths: a bad model reference, dtype or device, a remote field, an unknown kind", async () => {
    const bad = async (body: unknown, field: string) => {
      const r = await create(body);
      expect(r.status).toBe(400);
      expect(r.body.error.details?.map((d) => d.path.join("."))).toContain(field);
    };
    await bad({ ...TINY, name: "x1", model: "not a model" }, "model");
    await bad({ ...TINY, name: "x2", model: "/models/../etc" }, "model");
    await bad({ ...TINY, name: "x3", dtype: "fp8" }, "dtype");
    await bad({ ...TINY, name: "x4", device: "cuda" }, "device");
    await bad({ ...TINY, name: "x5", baseUrl: "http://h:1/v1" }, "");
    const unknown = await create({ ...TINY, name: "x6", kind: "gguf" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/kind/);
    // A taken name is a 409 across kinds.
    expect((await create({ name: "Tiny SmolVLM", baseUrl: "http://h:1/v1", model: "m" })).status).toBe(409);
    expect((await create({ ...TINY })).status).toBe(409);
  });

  it("changes it with PATCH: model, dtype, device, image limit kept or replaced; remote-only fields refused", async () => {
    const res = await patch(id, { dtype: "fp32", device: "webgpu", maxImages: 4, name: "Tiny SmolVLM (fp32)" });
    expect(res.status).toBe(200);
    expect(res.body.engine).toMatchObject({ name: "Tiny SmolVLM (fp32)", kind: "transformersjs", browser: { model: "/models-test/tiny-smolvlm", dtype: "fp32", device: "webgpu", promptStyle: "turns", maxImages: 4 } });
    const moved = await patch(id, { model: "https://models.example.com/tiny-smolvlm" });
    expect(moved.body.engine.browser).toMatchObject({ model: "https://models.example.com/tiny-smolvlm", dtype: "fp32", device: "webgpu" });
    const wrong = await patch(id, { baseUrl: "http://h:1/v1", apiKey: "sk-x" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details?.map((d) => d.path.join("."))).toEqual(["baseUrl", "apiKey"]);
    expect((await patch(id, { model: "has spaces in it" })).status).toBe(400);
    const back = await patch(id, { model: "/models-test/tiny-smolvlm", dtype: "q4f16", device: "auto", maxImages: null, name: "Tiny SmolVLM" });
    expect(back.body.engine.browser).toEqual({ model: "/models-test/tiny-smolvlm", dtype: "q4f16", device: "auto", promptStyle: "turns", maxImages: null });
  });

  it("a remote engine takes no dtype or device", async () => {
    const r = await create({ name: "Remote one", baseUrl: "http://h:1/v1", model: "m" });
    expect(r.status).toBe(201);
    expect(r.body.engine).toMatchObject({ kind: "openai", browser: null });
    const p = await patch(r.body.engine.id, { dtype: "fp16" });
    expect(p.status).toBe(400);
    expect(p.body.error.details?.[0]?.path).toEqual(["dtype"]);
    expect((await remove(r.body.engine.id)).status).toBe(204);
  });

  it("is refused on the server with a 4xx that says it runs in the browser only: backendFor, runs, scores, both tests", async () => {
    await expect(backendFor(id)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/runs in the browser only/) });

    const run = await read<ErrorBody>(await runsRoute.POST(req("POST", "/api/runs", { engine: id, prompt: PROMPT, maxTokens: 2, stream: false })));
    expect(run.status).toBe(400);
    expect(run.body.error.message).toMatch(/runs in the browser only/);
    const score = await read<ErrorBody>(await scoreRoute.POST(req("POST", "/api/score", { engine: id, prompt: PROMPT, candidates: ["a", "b"] })));
    expect(score.status).toBe(400);
    expect(score.body.error.message).toMatch(/runs in the browser only/);

    const tested = await read<ErrorBody>(await engineTestRoute.POST(req("POST", `/api/engines/${id}/test`, {}), ctx(id)));
    expect(tested.status).toBe(400);
    expect(tested.body.error.message).toMatch(/in this browser/);
    const unsaved = await read<ErrorBody>(await unsavedTestRoute.POST(req("POST", "/api/engines/test", { ...TINY, name: "Unsaved" })));
    expect(unsaved.status).toBe(400);
    expect(unsaved.body.error.message).toMatch(/runs in the browser only/);
  });

  it("removes it", async () => {
    expect((await remove(id)).status).toBe(204);
    expect((await get(id)).status).toBe(404);
    expect((await list()).body.engines.some((e) => e.kind === "transformersjs")).toBe(false);
  });
});
