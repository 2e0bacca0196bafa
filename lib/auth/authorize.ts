/**
 * What routes and pages call: resolve where the resource lives (lib/store), ask the policy
 * (lib/auth/policy.ts), and throw the matching error — 401 (no credentials), 404 (cannot see it: the
 * same answer as an unknown id), 403 (can see it, may not do this).
 */
import "server-only";
import { AppError, notFound } from "@/lib/errors";
import { parseNotebook, templateIdsOf } from "@/lib/notebook";
import { getEngine } from "@/lib/engines";
import { placementOf, storedEngineWorkspace, type PlacedKind } from "@/lib/store/accounts";
import type { Caller } from "./caller";
import { unauthenticated } from "./identify";
import { canAsset, canEngine, canModel, canWorkspace, canLibrary, canTemplate, canNotebook, canDataset, canSweep, type Decision, type Placement } from "./policy";
import type { Action } from "./roles";

/** What a request acts on. */
export type Target =
  | { library: string }
  | { template: string }
  | { notebook: string }
  | { dataset: string }
  | { sweep: string }
  | { engine: string }
  | { workspace: string }
  | { asset: string | null }
  | { model: true };

const PLACED: Record<PlacedKind, { label: string; can: (c: Caller, a: Action, p: Placement) => Decision }> = {
  library: { label: "Library", can: canLibrary },
  template: { label: "Template", can: canTemplate },
  notebook: { label: "Notebook", can: canNotebook },
  dataset: { label: "Dataset", can: canDataset },
  sweep: { label: "Sweep", can: canSweep },
};

function enforce(decision: Decision, hidden: () => AppError): void {
  if (decision.allow) return;
  if (decision.reason === "unauthenticated") throw unauthenticated();
  if (decision.reason === "hidden") throw hidden();
  throw new AppError("forbidden", decision.message ?? "You may not do this here.");
}

/** Throws unless `caller` may do `action` on `target`. */
export async function authorize(caller: Caller, action: Action, target: Target): Promise<void> {
  if (caller.kind === "anonymous") throw unauthenticated();
  for (const kind of Object.keys(PLACED) as PlacedKind[]) {
    if (kind in target) {
      const id = (target as Record<PlacedKind, string>)[kind];
      const { label, can } = PLACED[kind];
      const place = await placementOf(kind, id);
      if (!place) throw notFound(label, id);
      return enforce(can(caller, action, place), () => notFound(label, id));
    }
  }
  if ("engine" in target) {
    const workspaceId = await storedEngineWorkspace(target.engine);
    // Not stored: a bundled or declared engine (workspace null), or no engine at all (the registry's 404).
    if (workspaceId === null) await getEngine(target.engine);
    return enforce(canEngine(caller, action, { workspaceId }), () => notFound("Engine", target.engine));
  }
  if ("workspace" in target) return enforce(canWorkspace(caller, action, target.workspace), () => notFound("Workspace", target.workspace));
  if ("asset" in target) return enforce(canAsset(caller, action), () => notFound("Asset", target.asset ?? ""));
  return enforce(canModel(caller, action === "run" ? "run" : "read"), () => notFound("Model", ""));
}

/**
 * Lists and creations need someone signed in (or an API key): anonymous callers and share-link holders
 * (who may only open the one thing their link names) get 401 before a body is read. What the caller
 * may do is then asked of authorize() once the target is known.
 */
export function requireIdentified(caller: Caller): void {
  if (caller.kind === "anonymous" || caller.kind === "share") throw unauthenticated();
}

/** The decision without throwing (pages that hide a button rather than fail). */
export async function allowed(caller: Caller, action: Action, target: Target): Promise<boolean> {
  try {
    await authorize(caller, action, target);
    return true;
  } catch (error) {
    if (error instanceof AppError) return false;
    throw error;
  }
}

/**
 * A notebook's template cells read those templates: each must be readable by whoever saves the
 * notebook, or a notebook could be used to read another workspace's template by id. A document that
 * does not parse is left to the store, which refuses it with its own message.
 */
export async function authorizeNotebookTemplates(caller: Caller, document: unknown): Promise<void> {
  const parsed = parseNotebook(document);
  if (!parsed.ok) return;
  for (const templateId of templateIdsOf(parsed.notebook)) {
    // An id that names nothing is the store's to report, with everything else the document lacks.
    if (!(await placementOf("template", templateId))) continue;
    const refusal = await refusalOf(() => authorize(caller, "read", { template: templateId }));
    if (refusal?.code !== "not_found") {
      if (refusal) throw refusal;
      continue;
    }
    // A template the caller may not see reads exactly like one that does not exist (the store's own 422).
    const cell = parsed.notebook.cells.findIndex((c) => c.prompt.kind === "template" && c.prompt.templateId === templateId);
    const message = `template ${templateId} does not exist`;
    throw new AppError("unprocessable", `The notebook refers to things that do not exist: ${message}`, { details: [{ path: ["cells", cell, "prompt", "templateId"], message }] });
  }
}

/** The AppError an authorization check throws, or null when it passes (routes that answer errors in their own shape, e.g. /v1). */
export async function refusalOf(check: () => Promise<void>): Promise<AppError | null> {
  try {
    await check();
    return null;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}
