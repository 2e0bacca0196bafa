import { getNotebook, saveNotebookVersion } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";
import { SaveNotebookVersionBody } from "../../schema";

type Ctx = { params: Promise<{ id: string }> };

export const GET = route(async (_request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "notebook id");
  return json({ versions: (await getNotebook(id)).versions });
});

export const POST = route(async (request: Request, ctx: Ctx) => {
  const notebookId = parseWith(IdSchema, (await ctx.params).id, "notebook id");
  const body = await readJson(request, SaveNotebookVersionBody);
  const notebook = await saveNotebookVersion({ notebookId, document: body.document, message: body.message, baseVersion: body.baseVersion });
  return json({ notebook }, { status: 201 });
});
