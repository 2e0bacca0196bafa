/** Typed calls to /api/engines. */
import { apiFetch, postJson } from "@/lib/api-client";
import type { DetectedCapabilities, EngineSummary } from "@/lib/engines/types";
import type { BrowserEngineCreateBody, BrowserEnginePatchBody } from "./browser-form";
import type { EngineCreateBody, EnginePatchBody } from "./form";

const base = (id: string) => `/api/engines/${encodeURIComponent(id)}`;

export const listEngines = (signal?: AbortSignal) => apiFetch<{ engines: EngineSummary[] }>("/api/engines", { signal, cache: "no-store" }).then((r) => r.engines);

export const createEngine = (body: EngineCreateBody | BrowserEngineCreateBody) => postJson<{ engine: EngineSummary }>("/api/engines", body).then((r) => r.engine);

export const updateEngine = (id: string, body: EnginePatchBody | BrowserEnginePatchBody) => postJson<{ engine: EngineSummary }>(base(id), body, "PATCH").then((r) => r.engine);

export const deleteEngine = (id: string) => apiFetch<void>(base(id), { method: "DELETE" });

/** Test a saved engine (its stored key and headers included); the result is stored with it. */
export const testEngine = (id: string) => postJson<{ engine: EngineSummary; capabilities: DetectedCapabilities }>(`${base(id)}/test`, {});

/** Test unsaved form values. */
export const testSettings = (body: EngineCreateBody) => postJson<{ capabilities: DetectedCapabilities }>("/api/engines/test", body).then((r) => r.capabilities);
