import { authorize, callerOf } from "@/lib/auth";
import { getTemplateVersion } from "@/lib/store";
import { json, parseWith, route } from "@/lib/http/respond";
import { IdSchema, VersionSchema } from "@/lib/http/params";

export const GET = route(async (request: Request, ctx: { params: Promise<{ id: string; version: string }> }) => {
  const params = await ctx.params;
  const id = parseWith(IdSchema, params.id, "template id");
  const version = parseWith(VersionSchema, params.version, "version");
  await authorize(await callerOf(request), "read", { template: id });
  return json({ version: await getTemplateVersion(id, version) });
});
