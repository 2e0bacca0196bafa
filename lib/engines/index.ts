/**
 * The engine registry: every engine a prompt can run on, from three sources, listed in this order:
 * - bundled: the model packages under public/models (read-only; run by onnxruntime-node here, or in
 *   the browser);
 * - declared: remote engines the deployment lists in STUDIO_ENGINES (a JSON array) and/or
 *   STUDIO_ENGINES_FILE (a JSON file holding one), read and validated once at first use, read-only in
 *   the app; what "Test connection" finds for them is kept in memory;
 * - stored: engines saved from the app (lib/store/engines.ts): remote ones (secrets encrypted at rest),
 *   and transformers.js ones (kind "transformersjs"), which run in the user's browser only — the server
 *   lists and stores them but refuses to run or probe them (a 400 that says so).
 *
 * `backendFor(id)` turns any of them into the one Backend contract (lib/backends/contract.ts).
 * Secrets leave this module only inside a RemoteEngineConfig, for the remote backend.
 */
import "server-only";
import fs from "node:fs";
import path from "node:path";
import type { z } from "zod";
import type { Backend } from "@/lib/backends/contract";
import { env } from "@/lib/env";
import { AppError, notFound } from "@/lib/errors";
import { fromZod } from "@/lib/http/respond";
import { installedModels } from "@/lib/models/installed";
import { TfjsModelRefSchema } from "@/lib/backends/transformersjs/settings";
import {
  browserOnly,
  createStoredBrowserEngine,
  createStoredEngine,
  deleteStoredEngine,
  findStoredEngine,
  listStoredEngines,
  setStoredEngineCapabilities,
  storedEngineConfig,
  updateStoredBrowserEngine,
  updateStoredEngine,
} from "@/lib/store/engines";
import {
  AnyEngineInputSchema,
  BrowserMaxImagesSchema,
  browserSettingsFromInput,
  DeclaredEngineSchema,
  declaredIdFor,
  EngineInputSchema,
  EngineModelSchema,
  EnginePatchSchema,
  settingsFromInput,
  type AnyEngineInput,
  type EnginePatch,
} from "./schema";
import { missingKeyError, secrets } from "./secrets";
import type { DetectedCapabilities, EngineSummary, RemoteEngineConfig } from "./types";

export type { AnyEngineInput, BrowserEngineInput, EngineInput, EnginePatch } from "./schema";

/** When this process started: the bundled engines' capabilities are known, not probed. */
const STARTED_AT = new Date().toISOString();

// ---------------------------------------------------------------------------------------------
// Bundled packages

async function bundledEngines(): Promise<EngineSummary[]> {
  const { models } = await installedModels();
  return models.map((m) => ({
    id: m.id,
    name: m.id,
    kind: "bundled",
    source: "bundled",
    readOnly: true,
    settings: null,
    browser: null,
    hasApiKey: false,
    headerNames: [],
    capabilities: {
      testedAt: STARTED_AT,
      ok: m.ok,
      models: [m.id],
      multiImage: true,
      topLogprobs: true,
      promptLogprobs: true,
      echoLogprobs: true,
      rankMethod: "exact",
      steps: [],
    },
    createdAt: null,
    updatedAt: null,
  }));
}

// ---------------------------------------------------------------------------------------------
// Declared engines (STUDIO_ENGINES, STUDIO_ENGINES_FILE)

type DeclaredEngine = Omit<RemoteEngineConfig, "capabilities">;

let declaredCache: { engines: DeclaredEngine[] } | { error: AppError } | undefined;
const declaredCapabilities = new Map<string, DetectedCapabilities>();

function configError(problems: string[]): AppError {
  return new AppError("unavailable", `The declared engines are misconfigured: ${problems.join("; ")}`, {
    details: problems.map((message) => ({ message })),
  });
}

/** Parse and validate the declared engines; every problem names its entry and field (never a value). */
function readDeclared(): DeclaredEngine[] {
  let e;
  try {
    e = env();
  } catch (error) {
    throw new AppError("unavailable", error instanceof Error ? error.message : "Invalid environment configuration.");
  }
  const sources: { label: string; text: string }[] = [];
  if (e.STUDIO_ENGINES !== undefined) sources.push({ label: "STUDIO_ENGINES", text: e.STUDIO_ENGINES });
  if (e.STUDIO_ENGINES_FILE !== undefined) {
    const file = path.resolve(/* turbopackIgnore: true */ process.cwd(), e.STUDIO_ENGINES_FILE);
    try {
      sources.push({ label: `STUDIO_ENGINES_FILE (${file})`, text: fs.readFileSync(file, "utf8") });
    } catch (error) {
      throw configError([`STUDIO_ENGINES_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`]);
    }
  }

  const problems: string[] = [];
  const engines: DeclaredEngine[] = [];
  for (const { label, text } of sources) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the text, which holds keys: never repeat it.
      problems.push(`${label} is not valid JSON`);
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push(`${label} must be a JSON array of engines`);
      continue;
    }
    list.forEach((entry: unknown, i) => {
      const rawName = typeof entry === "object" && entry !== null && typeof (entry as { name?: unknown }).name === "string" ? (entry as { name: string }).name : null;
      const where = `${label}[${i}]${rawName ? ` ("${rawName.slice(0, 100)}")` : ""}`;
      const parsed = DeclaredEngineSchema.safeParse(entry);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const field = issue.path.filter((p): p is string | number => typeof p !== "symbol").join(".");
          problems.push(`${where}${field ? `.${field}` : ""}: ${issue.message}`);
        }
        return;
      }
      const d = parsed.data;
      let apiKey = d.apiKey ?? null;
      if (d.apiKeyEnv !== undefined) {
        const value = process.env[d.apiKeyEnv]?.trim();
        if (!value) {
          problems.push(`${where}.apiKeyEnv: the variable ${d.apiKeyEnv} is not set`);
          return;
        }
        apiKey = value;
      }
      engines.push({ id: d.id ?? declaredIdFor(d.name), name: d.name, ...settingsFromInput(d), apiKey, headers: d.headers ?? {} });
    });
  }

  const ids = new Set<string>();
  const names = new Set<string>();
  for (const d of engines) {
    if (ids.has(d.id)) problems.push(`two declared engines have the id "${d.id}" (give one an "id")`);
    if (names.has(d.name)) problems.push(`two declared engines are named "${d.name}"`);
    ids.add(d.id);
    names.add(d.name);
  }
  if (problems.length > 0) throw configError(problems);
  return engines;
}

function declared(): DeclaredEngine[] {
  if (!declaredCache) {
    try {
      declaredCache = { engines: readDeclared() };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      declaredCache = { error };
    }
  }
  if ("error" in declaredCache) throw declaredCache.error;
  return declaredCache.engines;
}

function declaredSummary(d: DeclaredEngine): EngineSummary {
  const { id, name, apiKey, headers, ...settings } = d;
  return {
    id,
    name,
    kind: "openai",
    source: "declared",
    readOnly: true,
    settings,
    browser: null,
    hasApiKey: apiKey !== null,
    headerNames: Object.keys(headers),
    capabilities: declaredCapabilities.get(id) ?? null,
    createdAt: null,
    updatedAt: null,
  };
}

/**
 * Check the registry's configuration now (the environment, STUDIO_SECRET_KEY, the declared engines),
 * e.g. at startup; throws an AppError naming each problem.
 */
export async function checkEngineConfiguration(): Promise<void> {
  secrets();
  const list = declared();
  const bundled = new Set((await bundledEngines()).map((b) => b.id));
  const clash = list.find((d) => bundled.has(d.id));
  if (clash) throw configError([`the declared engine "${clash.name}" has the id "${clash.id}" of a bundled model (give it another "id")`]);
}

/** Forget the declared engines, their capabilities and the secret box (tests that change the environment). */
export function resetEngineRegistry(): void {
  declaredCache = undefined;
  declaredCapabilities.clear();
}

// ---------------------------------------------------------------------------------------------
// Lookups

/** Bundled packages first, then declared engines (as configured), then stored ones (by name) — of the given workspaces (null or absent: all). */
export async function listEngines(workspaces?: readonly string[] | null): Promise<EngineSummary[]> {
  const [bundled, stored] = await Promise.all([bundledEngines(), listStoredEngines(workspaces)]);
  const bundledIds = new Set(bundled.map((b) => b.id));
  return [...bundled, ...declared().filter((d) => !bundledIds.has(d.id)).map(declaredSummary), ...stored];
}

type Located =
  | { source: "bundled"; summary: EngineSummary }
  | { source: "declared"; summary: EngineSummary; engine: DeclaredEngine }
  | { source: "stored"; summary: EngineSummary };

async function locate(id: string): Promise<Located> {
  const bundled = (await bundledEngines()).find((b) => b.id === id);
  if (bundled) return { source: "bundled", summary: bundled };
  const d = declared().find((x) => x.id === id);
  if (d) return { source: "declared", summary: declaredSummary(d), engine: d };
  const stored = await findStoredEngine(id);
  if (stored) return { source: "stored", summary: stored };
  throw notFound("Engine", id);
}

export async function getEngine(id: string): Promise<EngineSummary> {
  return (await locate(id)).summary;
}

/** A remote engine's settings with its secrets in clear: server-only (the remote backend). */
export async function remoteConfig(id: string): Promise<RemoteEngineConfig> {
  const found = await locate(id);
  if (found.source === "bundled") throw new AppError("bad_request", `Engine "${id}" is a bundled model, not a remote engine`);
  if (found.source === "declared") return { ...found.engine, capabilities: declaredCapabilities.get(id) ?? null };
  if (found.summary.kind === "transformersjs") throw browserOnly(found.summary.name);
  return storedEngineConfig(id);
}

/** The Backend that runs prompts on this engine (on the server: a transformers.js engine is refused, it runs in the browser only). */
export async function backendFor(id: string): Promise<Backend> {
  const found = await locate(id);
  if (found.source === "bundled") {
    const { bundledServerBackend } = await import("@/lib/backends/server/bundled");
    return bundledServerBackend(id);
  }
  const config = await remoteConfig(id);
  const { createRemoteBackend } = await import("@/lib/backends/remote");
  return createRemoteBackend(config);
}

// ---------------------------------------------------------------------------------------------
// Changes (stored engines only)

function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error, what);
  return result.data;
}

const readOnly = (s: EngineSummary) =>
  new AppError(
    "conflict",
    s.source === "bundled"
      ? `Engine "${s.name}" is a bundled model: it cannot be changed or removed`
      : `Engine "${s.name}" is declared by the server's configuration (STUDIO_ENGINES or STUDIO_ENGINES_FILE): change it there`,
  );

/** Names are unique across the registry: a stored engine may not take a bundled or declared one's. */
async function assertNameFree(name: string): Promise<void> {
  const taken = (await bundledEngines()).some((b) => b.name === name) || declared().some((d) => d.name === name);
  if (taken) throw new AppError("conflict", `An engine named "${name}" already exists`, { details: [{ path: ["name"], message: "is already the name of another engine" }] });
}

/** In a shared deployment without STUDIO_SECRET_KEY, refuse a secret before anything is written. */
function assertCanStoreSecrets(apiKey: string | null | undefined, headers: Record<string, string> | null | undefined): void {
  const hasSecret = (typeof apiKey === "string" && apiKey !== "") || (headers != null && Object.keys(headers).length > 0);
  if (hasSecret && !secrets().canEncrypt()) throw missingKeyError();
}

export async function createEngine(input: AnyEngineInput, workspaceId?: string): Promise<EngineSummary> {
  const body = validate(AnyEngineInputSchema, input, "engine");
  await assertNameFree(body.name);
  if (body.kind === "transformersjs") return createStoredBrowserEngine({ name: body.name, workspaceId, ...browserSettingsFromInput(body) });
  assertCanStoreSecrets(body.apiKey, body.headers);
  return createStoredEngine({ name: body.name, workspaceId, ...settingsFromInput(body), apiKey: body.apiKey ?? null, headers: body.headers ?? {} });
}

export async function updateEngine(id: string, patch: EnginePatch): Promise<EngineSummary> {
  const body = validate(EnginePatchSchema, patch, "engine change");
  const found = await locate(id);
  if (found.source !== "stored") throw readOnly(found.summary);
  if (body.name !== undefined && body.name !== found.summary.name) await assertNameFree(body.name);
  if (found.summary.kind === "transformersjs") return updateBrowserEngine(id, body);
  if (body.dtype !== undefined || body.device !== undefined) {
    throw new AppError("validation_failed", "dtype and device are settings of transformers.js engines, not of remote ones", {
      details: [...(body.dtype !== undefined ? [{ path: ["dtype"], message: "is not a setting of a remote engine" }] : []), ...(body.device !== undefined ? [{ path: ["device"], message: "is not a setting of a remote engine" }] : [])],
    });
  }
  if (body.model !== undefined) body.model = validate(EngineModelSchema, body.model, "model");
  assertCanStoreSecrets(body.apiKey, body.headers);
  const { headers, apiKey, dtype: _dtype, device: _device, ...rest } = body;
  return updateStoredEngine(id, {
    ...rest,
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(headers !== undefined ? { headers: headers ?? {} } : {}),
  });
}

/** Fields of a remote engine that a transformers.js engine does not have. */
const REMOTE_ONLY = ["baseUrl", "timeoutMs", "maxConcurrency", "image", "systemPrompt", "apiKey", "headers"] as const;

async function updateBrowserEngine(id: string, body: EnginePatch): Promise<EngineSummary> {
  const wrong = REMOTE_ONLY.filter((k) => body[k] !== undefined);
  if (wrong.length > 0) {
    throw new AppError("validation_failed", `${wrong.join(", ")} ${wrong.length === 1 ? "is a setting" : "are settings"} of remote engines, not of a transformers.js engine`, {
      details: wrong.map((k) => ({ path: [k], message: "is not a setting of a transformers.js engine" })),
    });
  }
  return updateStoredBrowserEngine(id, {
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.model !== undefined ? { model: validate(TfjsModelRefSchema, body.model, "model") } : {}),
    ...(body.dtype !== undefined ? { dtype: body.dtype } : {}),
    ...(body.device !== undefined ? { device: body.device } : {}),
    ...(body.promptStyle !== undefined ? { promptStyle: body.promptStyle } : {}),
    ...(body.maxImages !== undefined ? { maxImages: validate(BrowserMaxImagesSchema, body.maxImages, "maxImages") } : {}),
  });
}

export async function deleteEngine(id: string): Promise<void> {
  const found = await locate(id);
  if (found.source !== "stored") throw readOnly(found.summary);
  await deleteStoredEngine(id);
}

// ---------------------------------------------------------------------------------------------
// Test connection

/** "Test connection" of a transformers.js engine: the server cannot load it; the browser checks it. */
const browserTestOnly = (name: string) =>
  new AppError("bad_request", `Engine "${name}" is a transformers.js model that runs in the browser only: check it in this browser with "Check in this browser" on the Engines page (the server does not load it)`);

/** Probe the engine (models, images, log-probabilities) and keep what was found with it. */
export async function testEngine(id: string): Promise<{ engine: EngineSummary; capabilities: DetectedCapabilities }> {
  const found = await locate(id);
  if (found.source === "bundled") return { engine: found.summary, capabilities: found.summary.capabilities as DetectedCapabilities };
  if (found.summary.kind === "transformersjs") throw browserTestOnly(found.summary.name);
  const config = await remoteConfig(id);
  const { probeEngine } = await import("@/lib/backends/remote");
  const capabilities = await probeEngine(config);
  if (found.source === "declared") {
    declaredCapabilities.set(id, capabilities);
    return { engine: declaredSummary(found.engine), capabilities };
  }
  return { engine: await setStoredEngineCapabilities(id, capabilities), capabilities };
}

/** Probe settings that are not saved (the form's "Test connection" before Save); nothing is stored. */
export async function testUnsavedEngine(input: AnyEngineInput): Promise<DetectedCapabilities> {
  const any = validate(AnyEngineInputSchema, input, "engine");
  if (any.kind === "transformersjs") throw browserTestOnly(any.name);
  const body = validate(EngineInputSchema, input, "engine");
  const { probeEngine } = await import("@/lib/backends/remote");
  return probeEngine({ id: "unsaved", name: body.name, ...settingsFromInput(body), apiKey: body.apiKey ?? null, headers: body.headers ?? {}, capabilities: null });
}
