import { authorId, authorize, callerOf, homeWorkspace, noWorkspace, readableWorkspaces, requireIdentified } from "@/lib/auth";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { createSweep } from "@/lib/sweeps/service";
import { SweepListQuery, SweepRequestSchema } from "@/lib/sweeps/schema";
import { listSweeps } from "@/lib/store";
import { safeText } from "@/lib/text";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Sweeps, newest first (`?datasetId`, `?templateId`). */
export const GET = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const query = parseWith(SweepListQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  return json({ sweeps: await listSweeps({ ...query, workspaces: readableWorkspaces(caller) }) });
});

/** A sweep request, with no NUL characters or unpaired surrogates in its name or engine ids (lib/text.ts). */
const CreateSweepBody = safeText(SweepRequestSchema);

/** Create a sweep (SweepRequest); a server-backend sweep starts in the background at once. */
export const POST = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const body = await readJson(request, CreateSweepBody, 64 * 1024);
  // Runs on the dataset's workspace, reads the template, and runs every engine it names.
  await authorize(caller, "run", { dataset: body.datasetId });
  await authorize(caller, "read", { template: body.templateId });
  for (const engine of body.engines ?? []) await authorize(caller, "run", { engine });
  const workspaceId = homeWorkspace(caller);
  if (!workspaceId) throw noWorkspace();
  return json({ sweep: await createSweep(body, authorId(caller), workspaceId) }, { status: 201 });
});
