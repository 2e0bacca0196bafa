/** What every /api/workspaces/:id route starts with: shared mode, the id, the caller, and their right to act there. */
import "server-only";
import { authorize, callerOf, type Action, type Caller, type Role } from "@/lib/auth";
import { IdSchema } from "@/lib/http/params";
import { parseWith } from "@/lib/http/respond";
import { requireSharedMode } from "../../account/common";

export type WorkspaceParams = { params: Promise<{ id: string }> };

export interface WorkspaceRequest {
  caller: Caller;
  workspaceId: string;
}

export async function workspaceRequest(request: Request, ctx: WorkspaceParams, action: Action): Promise<WorkspaceRequest> {
  requireSharedMode();
  const workspaceId = parseWith(IdSchema, (await ctx.params).id, "workspace id");
  const caller = await callerOf(request);
  await authorize(caller, action, { workspace: workspaceId });
  return { caller, workspaceId };
}

/** The caller's role in the workspace (managing callers are signed-in members; the local owner owns everything). */
export function actorRole(caller: Caller, workspaceId: string): Role | null {
  if (caller.kind === "local") return "owner";
  if (caller.kind === "user") return caller.roles.get(workspaceId) ?? null;
  return null;
}

/** A query parameter that must be present, as an id. */
export function idParam(request: Request, name: string): string {
  return parseWith(IdSchema, new URL(request.url).searchParams.get(name) ?? "", `"${name}" query parameter (e.g. ?${name}=…)`);
}
