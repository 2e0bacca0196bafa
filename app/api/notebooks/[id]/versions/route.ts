import { authorId, authorize, authorizeNotebookTemplates, callerOf } from "@/lib/auth";
import { getNotebook, saveNotebookVersion } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";
import { SaveNotebookVersionBody } from "../../schema";

type Ctx = { params: Promise<{ id: string }> };

export const GET = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "notebook id");
  await authorize(await callerOf(request), "read", { notebook: id });
  return json({ versions: (await getNotebook(id)).versions });
});

export const POST = route(async (request: Request, ctx: Ctx) => {
  const notebookId = parseWith(IdSchema, (await ctx.params).id, "notebook id");
  const caller = await callerOf(request);
  await authorize(caller, "write", { notebook: notebookId });
  const body = await readJson(request, SaveNotebookVersionBody);
  await authorizeNotebookTemplates(caller, body.document);
  const notebook = await saveNotebookVersion({ notebookId, document: body.document, message: body.message, baseVersion: body.baseVersion, createdById: authorId(caller) });
  return json({ notebook }, { status: 201 });
});
