import { authorize, callerOf } from "@/lib/auth";
import { deleteNotebook, getNotebook } from "@/lib/store";
import { json, parseWith, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";

type Ctx = { params: Promise<{ id: string }> };

export const GET = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "notebook id");
  await authorize(await callerOf(request), "read", { notebook: id });
  return json({ notebook: await getNotebook(id) });
});

export const DELETE = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "notebook id");
  await authorize(await callerOf(request), "delete", { notebook: id });
  await deleteNotebook(id);
  return new Response(null, { status: 204 });
});
