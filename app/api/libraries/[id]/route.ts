import { getLibrary } from "@/lib/store";
import { json, parseWith, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";

export const GET = route(async (_request: Request, ctx: { params: Promise<{ id: string }> }) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "library id");
  return json({ library: await getLibrary(id) });
});
