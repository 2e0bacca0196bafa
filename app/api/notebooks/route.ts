import { createNotebook, listNotebooks } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { CreateNotebookBody, NotebookListQuery } from "./schema";

export const GET = route(async (request: Request) => {
  const query = parseWith(NotebookListQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  return json({ notebooks: await listNotebooks(query) });
});

export const POST = route(async (request: Request) => {
  const body = await readJson(request, CreateNotebookBody);
  const notebook = await createNotebook({ libraryId: body.libraryId, document: body.document, message: body.message });
  return json({ notebook }, { status: 201 });
});
