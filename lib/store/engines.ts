/**
 * Stored remote engines (the Engine table). Secrets are encrypted here, before anything reaches the
 * database (so no Prisma error or query log ever holds them in clear), and decrypted only into a
 * RemoteEngineConfig for the server; summaries say only whether a key is set and which headers exist.
 * Declared and bundled engines are not stored: lib/engines (the registry) combines all three.
 */
import "server-only";
import { secrets } from "@/lib/engines/secrets";
import { TfjsDevicePreference, TfjsDtypeSchema } from "@/lib/backends/transformersjs/settings";
import type { BrowserEngineSettings, DetectedCapabilities, EngineSummary, ImageFormat, PromptStyle, RemoteEngineConfig, RemoteEngineSettings } from "@/lib/engines/types";
import { AppError, notFound } from "@/lib/errors";
import { db } from "./db";
import { iso, isUniqueViolation, newId } from "./util";

/** A new stored engine: settings (defaults filled in), the key in clear (null: none) and the headers ({}: none). */
export interface StoredEngineInput extends RemoteEngineSettings {
  name: string;
  /** The workspace whose members may use it (default: the local one). */
  workspaceId?: string;
  apiKey: string | null;
  headers: Record<string, string>;
}

/** A new stored transformers.js engine (run in the user's browser): no URL, no secrets. */
export interface StoredBrowserEngineInput extends BrowserEngineSettings {
  name: string;
  workspaceId?: string;
}

/** A change of a transformers.js engine: absent fields are kept. */
export interface StoredBrowserEnginePatch {
  name?: string;
  model?: string;
  dtype?: BrowserEngineSettings["dtype"];
  device?: BrowserEngineSettings["device"];
  promptStyle?: PromptStyle;
  maxImages?: number | null;
}

/** A change: absent fields are kept; `apiKey` null removes the key; `headers` replaces them all ({}: none). */
export interface StoredEnginePatch {
  name?: string;
  baseUrl?: string;
  model?: string;
  timeoutMs?: number;
  maxConcurrency?: number;
  maxImages?: number | null;
  image?: { format?: ImageFormat; maxSide?: number | null };
  promptStyle?: PromptStyle;
  systemPrompt?: string | null;
  apiKey?: string | null;
  headers?: Record<string, string>;
}

interface EngineRow {
  id: string;
  name: string;
  kind: string;
  baseUrl: string;
  model: string;
  apiKeyEnc: string | null;
  headersEnc: string | null;
  timeoutMs: number;
  maxConcurrency: number;
  maxImages: number | null;
  imageFormat: string;
  imageMaxSide: number | null;
  promptStyle: string;
  systemPrompt: string | null;
  capabilities: string | null;
  settings: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const API_KEY = "the engine's API key";
const HEADERS = "the engine's headers";
const keyContext = (id: string) => `engine:${id}:apiKey`;
const headersContext = (id: string) => `engine:${id}:headers`;

/** A transformers.js engine asked to run (or be probed) on the server. */
export const browserOnly = (name: string) =>
  new AppError("bad_request", `Engine "${name}" is a transformers.js model that runs in the browser only: run it from the Run panel, a notebook cell or a browser sweep, and test it on the Engines page (it cannot run on the server)`);

/** Stored names are unique per workspace (the database's unique index), so another workspace's engines stay unseen. */
const nameTaken = (name: string) =>
  new AppError("conflict", `An engine named "${name}" already exists in this workspace`, { details: [{ path: ["name"], message: "is already the name of another engine here" }] });

function settingsOf(row: EngineRow): RemoteEngineSettings {
  return {
    baseUrl: row.baseUrl,
    model: row.model,
    timeoutMs: row.timeoutMs,
    maxConcurrency: row.maxConcurrency,
    maxImages: row.maxImages,
    image: { format: row.imageFormat as ImageFormat, maxSide: row.imageMaxSide },
    promptStyle: row.promptStyle as PromptStyle,
    systemPrompt: row.systemPrompt,
  };
}

const isBrowserRow = (row: EngineRow) => row.kind === "transformersjs";

/** A transformers.js engine's settings: the row's model, prompt style and image limit, and its JSON `settings` (dtype, device). */
function browserSettingsOf(row: EngineRow): BrowserEngineSettings {
  let extra: { dtype?: unknown; device?: unknown } = {};
  try {
    extra = row.settings ? (JSON.parse(row.settings) as typeof extra) : {};
  } catch {
    // Unreadable: the defaults below (a change of the engine writes them again).
  }
  const dtype = TfjsDtypeSchema.safeParse(extra.dtype);
  const device = TfjsDevicePreference.safeParse(extra.device);
  return {
    model: row.model,
    dtype: dtype.success ? dtype.data : "q4f16",
    device: device.success ? device.data : "auto",
    promptStyle: row.promptStyle as PromptStyle,
    maxImages: row.maxImages,
  };
}

/**
 * What a transformers.js engine can do is known from its settings, not probed from the server: exact
 * ranking from the logits, and several images per prompt unless its image limit says otherwise.
 */
function browserCapabilities(row: EngineRow, s: BrowserEngineSettings): DetectedCapabilities {
  return {
    testedAt: iso(row.updatedAt),
    ok: true,
    models: [s.model],
    multiImage: s.maxImages === null || s.maxImages >= 2,
    topLogprobs: true,
    promptLogprobs: true,
    echoLogprobs: false,
    rankMethod: "exact",
    steps: [],
  };
}

function capabilitiesOf(row: EngineRow): DetectedCapabilities | null {
  if (row.capabilities === null) return null;
  try {
    return JSON.parse(row.capabilities) as DetectedCapabilities;
  } catch {
    return null;
  }
}

function decryptHeaders(row: EngineRow): Record<string, string> {
  if (row.headersEnc === null) return {};
  return JSON.parse(secrets().decrypt(row.headersEnc, headersContext(row.id), HEADERS)) as Record<string, string>;
}

function toSummary(row: EngineRow): EngineSummary {
  if (isBrowserRow(row)) {
    const browser = browserSettingsOf(row);
    return {
      id: row.id,
      name: row.name,
      kind: "transformersjs",
      source: "stored",
      readOnly: false,
      settings: null,
      browser,
      hasApiKey: false,
      headerNames: [],
      capabilities: browserCapabilities(row, browser),
      createdAt: iso(row.createdAt),
      updatedAt: iso(row.updatedAt),
    };
  }
  let headerNames: string[] = [];
  try {
    headerNames = Object.keys(decryptHeaders(row));
  } catch {
    // Undecryptable (another key): the names are unknown until the headers are entered again; a test
    // or a run of the engine says why.
  }
  return {
    id: row.id,
    name: row.name,
    kind: "openai",
    source: "stored",
    readOnly: false,
    settings: settingsOf(row),
    browser: null,
    hasApiKey: row.apiKeyEnc !== null,
    headerNames,
    capabilities: capabilitiesOf(row),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

function toConfig(row: EngineRow): RemoteEngineConfig {
  if (isBrowserRow(row)) throw browserOnly(row.name);
  return {
    id: row.id,
    name: row.name,
    ...settingsOf(row),
    apiKey: row.apiKeyEnc === null ? null : secrets().decrypt(row.apiKeyEnc, keyContext(row.id), API_KEY),
    headers: decryptHeaders(row),
    capabilities: capabilitiesOf(row),
  };
}

const encryptKey = (id: string, apiKey: string | null) => (apiKey === null ? null : secrets().encrypt(apiKey, keyContext(id)));
const encryptHeaders = (id: string, headers: Record<string, string>) =>
  Object.keys(headers).length === 0 ? null : secrets().encrypt(JSON.stringify(headers), headersContext(id));

/** Stored engines by name: those of the given workspaces (null or absent: all). */
export async function listStoredEngines(workspaces?: readonly string[] | null): Promise<EngineSummary[]> {
  const rows = await db().engine.findMany({ where: workspaces ? { workspaceId: { in: [...workspaces] } } : {}, orderBy: [{ name: "asc" }, { id: "asc" }] });
  return rows.map(toSummary);
}

/** The stored engine, or null when there is none with this id. */
export async function findStoredEngine(id: string): Promise<EngineSummary | null> {
  const row = await db().engine.findUnique({ where: { id } });
  return row ? toSummary(row) : null;
}

/** The stored engine with its secrets decrypted: server-only, never for a response. */
export async function storedEngineConfig(id: string): Promise<RemoteEngineConfig> {
  const row = await db().engine.findUnique({ where: { id } });
  if (!row) throw notFound("Engine", id);
  return toConfig(row);
}

export async function createStoredEngine(input: StoredEngineInput): Promise<EngineSummary> {
  const id = newId();
  const data = {
    id,
    workspaceId: input.workspaceId ?? "local",
    name: input.name,
    kind: "openai",
    baseUrl: input.baseUrl,
    model: input.model,
    apiKeyEnc: encryptKey(id, input.apiKey),
    headersEnc: encryptHeaders(id, input.headers),
    timeoutMs: input.timeoutMs,
    maxConcurrency: input.maxConcurrency,
    maxImages: input.maxImages,
    imageFormat: input.image.format,
    imageMaxSide: input.image.maxSide,
    promptStyle: input.promptStyle,
    systemPrompt: input.systemPrompt,
  };
  try {
    return toSummary(await db().engine.create({ data }));
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(input.name);
    throw error;
  }
}

export async function createStoredBrowserEngine(input: StoredBrowserEngineInput): Promise<EngineSummary> {
  const data = {
    id: newId(),
    workspaceId: input.workspaceId ?? "local",
    name: input.name,
    kind: "transformersjs",
    baseUrl: "",
    model: input.model,
    apiKeyEnc: null,
    headersEnc: null,
    timeoutMs: 0,
    maxConcurrency: 1,
    maxImages: input.maxImages,
    imageFormat: "png",
    imageMaxSide: null,
    promptStyle: input.promptStyle,
    systemPrompt: null,
    settings: JSON.stringify({ dtype: input.dtype, device: input.device }),
  };
  try {
    return toSummary(await db().engine.create({ data }));
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(input.name);
    throw error;
  }
}

export async function updateStoredBrowserEngine(id: string, patch: StoredBrowserEnginePatch): Promise<EngineSummary> {
  try {
    const row = await db().$transaction(async (tx) => {
      const current = await tx.engine.findUnique({ where: { id } });
      if (!current) throw notFound("Engine", id);
      const s = browserSettingsOf(current);
      const data = {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.model !== undefined ? { model: patch.model } : {}),
        ...(patch.promptStyle !== undefined ? { promptStyle: patch.promptStyle } : {}),
        ...(patch.maxImages !== undefined ? { maxImages: patch.maxImages } : {}),
        settings: JSON.stringify({ dtype: patch.dtype ?? s.dtype, device: patch.device ?? s.device }),
      };
      return tx.engine.update({ where: { id }, data });
    });
    return toSummary(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(patch.name ?? "");
    throw error;
  }
}

export async function updateStoredEngine(id: string, patch: StoredEnginePatch): Promise<EngineSummary> {
  const data = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.baseUrl !== undefined ? { baseUrl: patch.baseUrl } : {}),
    ...(patch.model !== undefined ? { model: patch.model } : {}),
    ...(patch.timeoutMs !== undefined ? { timeoutMs: patch.timeoutMs } : {}),
    ...(patch.maxConcurrency !== undefined ? { maxConcurrency: patch.maxConcurrency } : {}),
    ...(patch.maxImages !== undefined ? { maxImages: patch.maxImages } : {}),
    ...(patch.image?.format !== undefined ? { imageFormat: patch.image.format } : {}),
    ...(patch.image?.maxSide !== undefined ? { imageMaxSide: patch.image.maxSide } : {}),
    ...(patch.promptStyle !== undefined ? { promptStyle: patch.promptStyle } : {}),
    ...(patch.systemPrompt !== undefined ? { systemPrompt: patch.systemPrompt } : {}),
    ...(patch.apiKey !== undefined ? { apiKeyEnc: encryptKey(id, patch.apiKey) } : {}),
    ...(patch.headers !== undefined ? { headersEnc: encryptHeaders(id, patch.headers) } : {}),
  };
  try {
    const row = await db().$transaction(async (tx) => {
      if (!(await tx.engine.findUnique({ where: { id }, select: { id: true } }))) throw notFound("Engine", id);
      return tx.engine.update({ where: { id }, data });
    });
    return toSummary(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(patch.name ?? "");
    throw error;
  }
}

export async function deleteStoredEngine(id: string): Promise<void> {
  const { count } = await db().engine.deleteMany({ where: { id } });
  if (count === 0) throw notFound("Engine", id);
}

/** Keep what "Test connection" found with the engine. */
export async function setStoredEngineCapabilities(id: string, capabilities: DetectedCapabilities): Promise<EngineSummary> {
  const { count } = await db().engine.updateMany({ where: { id }, data: { capabilities: JSON.stringify(capabilities) } });
  if (count === 0) throw notFound("Engine", id);
  const row = await db().engine.findUnique({ where: { id } });
  if (!row) throw notFound("Engine", id);
  return toSummary(row);
}
