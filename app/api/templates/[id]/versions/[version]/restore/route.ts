import { authorId, authorize, callerOf } from "@/lib/auth";
import { restoreTemplateVersion } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { IdSchema, VersionSchema } from "@/lib/http/params";
import { RestoreBody } from "../../schema";

export const POST = route(async (request: Request, ctx: { params: Promise<{ id: string; version: string }> }) => {
  const params = await ctx.params;
  const id = parseWith(IdSchema, params.id, "template id");
  const version = parseWith(VersionSchema, params.version, "version");
  const caller = await callerOf(request);
  await authorize(caller, "write", { template: id });
  const body = await readJson(request, RestoreBody, undefined, { emptyAsObject: true });
  const template = await restoreTemplateVersion(id, version, body.message, authorId(caller));
  return json({ template }, { status: 201 });
});
