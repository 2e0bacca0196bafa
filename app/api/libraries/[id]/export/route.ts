import { authorize, callerOf } from "@/lib/auth";
import { exportLibrary } from "@/lib/store";
import { parseWith, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";

export const GET = route(async (request: Request, ctx: { params: Promise<{ id: string }> }) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "library id");
  await authorize(await callerOf(request), "read", { library: id });
  const file = await exportLibrary(id);
  const slug = file.library.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "library";
  return new Response(JSON.stringify(file, null, 2), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="${slug}.flamingo-library.json"`,
      "cache-control": "no-store",
    },
  });
});
