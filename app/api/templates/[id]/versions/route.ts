import { authorId, authorize, callerOf } from "@/lib/auth";
import { getTemplate, saveTemplateVersion } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";
import { SaveVersionBody } from "./schema";

type Ctx = { params: Promise<{ id: string }> };

export const GET = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "template id");
  await authorize(await callerOf(request), "read", { template: id });
  return json({ versions: (await getTemplate(id)).versions });
});

export const POST = route(async (request: Request, ctx: Ctx) => {
  const templateId = parseWith(IdSchema, (await ctx.params).id, "template id");
  const caller = await callerOf(request);
  await authorize(caller, "write", { template: templateId });
  const body = await readJson(request, SaveVersionBody);
  const template = await saveTemplateVersion({ templateId, document: body.document, message: body.message, baseVersion: body.baseVersion, createdById: authorId(caller) });
  return json({ template }, { status: 201 });
});
