import { deleteLibrary, getLibrary } from "@/lib/store";
import { json, parseWith, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";

type Ctx = { params: Promise<{ id: string }> };

export const GET = route(async (_request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "library id");
  return json({ library: await getLibrary(id) });
});

/**
 * Delete a library with its templates, notebooks, runs, datasets and sweeps, and the images nothing
 * else uses, all or nothing (204). No accounts yet: anyone may. The Examples library is read-only (409).
 */
export const DELETE = route(async (_request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "library id");
  await deleteLibrary(id);
  return new Response(null, { status: 204 });
});
