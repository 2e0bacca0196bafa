import { authorize, callerOf } from "@/lib/auth";
import { deleteLibrary, getLibrary } from "@/lib/store";
import { json, parseWith, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";

type Ctx = { params: Promise<{ id: string }> };

export const GET = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "library id");
  await authorize(await callerOf(request), "read", { library: id });
  return json({ library: await getLibrary(id) });
});

/**
 * Delete a library with its templates, notebooks, runs, datasets and sweeps, and the images nothing
 * else uses, all or nothing (204). Editors and above of its workspace; the Examples library is read-only (403).
 */
export const DELETE = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "library id");
  await authorize(await callerOf(request), "delete", { library: id });
  await deleteLibrary(id);
  return new Response(null, { status: 204 });
});
