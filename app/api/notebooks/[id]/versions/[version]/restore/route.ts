import { authorId, authorize, callerOf } from "@/lib/auth";
import { restoreNotebookVersion } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { IdSchema, VersionSchema } from "@/lib/http/params";
import { RestoreNotebookBody } from "../../../../schema";

export const POST = route(async (request: Request, ctx: { params: Promise<{ id: string; version: string }> }) => {
  const params = await ctx.params;
  const id = parseWith(IdSchema, params.id, "notebook id");
  const version = parseWith(VersionSchema, params.version, "version");
  const caller = await callerOf(request);
  await authorize(caller, "write", { notebook: id });
  const body = await readJson(request, RestoreNotebookBody, undefined, { emptyAsObject: true });
  const notebook = await restoreNotebookVersion(id, version, body.message, authorId(caller));
  return json({ notebook }, { status: 201 });
});
