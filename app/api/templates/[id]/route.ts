import { authorize, callerOf } from "@/lib/auth";
import { deleteTemplate, getTemplate } from "@/lib/store";
import { json, parseWith, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";

type Ctx = { params: Promise<{ id: string }> };

export const GET = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "template id");
  await authorize(await callerOf(request), "read", { template: id });
  return json({ template: await getTemplate(id) });
});

export const DELETE = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "template id");
  await authorize(await callerOf(request), "delete", { template: id });
  await deleteTemplate(id);
  return new Response(null, { status: 204 });
});
