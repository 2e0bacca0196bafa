import { authorId, authorize, callerOf, readableWorkspaces, requireIdentified } from "@/lib/auth";
import { createTemplate, listTemplates } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { CreateTemplateBody, TemplateListQuery } from "./schema";

export const GET = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const query = parseWith(TemplateListQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  if (query.libraryId) await authorize(caller, "read", { library: query.libraryId });
  return json({ templates: await listTemplates({ ...query, workspaces: readableWorkspaces(caller) }) });
});

export const POST = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const body = await readJson(request, CreateTemplateBody);
  await authorize(caller, "write", { library: body.libraryId });
  const template = await createTemplate({ libraryId: body.libraryId, document: body.document, message: body.message, createdById: authorId(caller) });
  return json({ template }, { status: 201 });
});
