import { authorId, authorize, authorizeNotebookTemplates, callerOf, readableWorkspaces, requireIdentified } from "@/lib/auth";
import { createNotebook, listNotebooks } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { CreateNotebookBody, NotebookListQuery } from "./schema";

export const GET = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const query = parseWith(NotebookListQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  if (query.libraryId) await authorize(caller, "read", { library: query.libraryId });
  return json({ notebooks: await listNotebooks({ ...query, workspaces: readableWorkspaces(caller) }) });
});

export const POST = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const body = await readJson(request, CreateNotebookBody);
  await authorize(caller, "write", { library: body.libraryId });
  await authorizeNotebookTemplates(caller, body.document);
  const notebook = await createNotebook({ libraryId: body.libraryId, document: body.document, message: body.message, createdById: authorId(caller) });
  return json({ notebook }, { status: 201 });
});
