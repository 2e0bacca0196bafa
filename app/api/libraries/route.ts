import { authorize, callerOf, homeWorkspace, noWorkspace, readableWorkspaces, requireIdentified } from "@/lib/auth";
import { createLibrary, listLibraries } from "@/lib/store";
import { json, readJson, route } from "@/lib/http/respond";
import { CreateLibraryBody } from "./schema";

/** The caller's workspaces' libraries, and Examples. */
export const GET = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  return json({ libraries: await listLibraries({ workspaces: readableWorkspaces(caller) }) });
});

/** A new library in the named workspace, or the caller's current one. */
export const POST = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const body = await readJson(request, CreateLibraryBody);
  const workspaceId = body.workspaceId ?? homeWorkspace(caller);
  if (!workspaceId) throw noWorkspace();
  await authorize(caller, "write", { workspace: workspaceId });
  const library = await createLibrary({ name: body.name, description: body.description, workspaceId });
  return json({ library }, { status: 201 });
});
