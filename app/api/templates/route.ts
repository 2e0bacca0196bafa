import { createTemplate, listTemplates } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { CreateTemplateBody, TemplateListQuery } from "./schema";

export const GET = route(async (request: Request) => {
  const query = parseWith(TemplateListQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  return json({ templates: await listTemplates(query) });
});

export const POST = route(async (request: Request) => {
  const body = await readJson(request, CreateTemplateBody);
  const template = await createTemplate({ libraryId: body.libraryId, document: body.document, message: body.message });
  return json({ template }, { status: 201 });
});
