import { authorize, callerOf } from "@/lib/auth";
import { getNotebookVersion } from "@/lib/store";
import { json, parseWith, route } from "@/lib/http/respond";
import { IdSchema, VersionSchema } from "@/lib/http/params";

export const GET = route(async (request: Request, ctx: { params: Promise<{ id: string; version: string }> }) => {
  const params = await ctx.params;
  const id = parseWith(IdSchema, params.id, "notebook id");
  const version = parseWith(VersionSchema, params.version, "version");
  await authorize(await callerOf(request), "read", { notebook: id });
  return json({ version: await getNotebookVersion(id, version) });
});
