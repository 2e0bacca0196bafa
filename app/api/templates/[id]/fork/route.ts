import { z } from "zod";
import { authorId, authorize, callerOf, requireIdentified } from "@/lib/auth";
import { forkTemplate } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";
import { safeText } from "@/lib/text";

const ForkBody = safeText(z.object({ libraryId: IdSchema, name: z.string().trim().min(1).max(120).optional() }));

/** Fork: read the source (an Examples template, a shared one, one of the workspace's), write into the target library. */
export const POST = route(async (request: Request, ctx: { params: Promise<{ id: string }> }) => {
  const templateId = parseWith(IdSchema, (await ctx.params).id, "template id");
  const caller = await callerOf(request);
  // A share link's holder forks through /api/share/:token/fork (reading with the link, writing as themselves).
  requireIdentified(caller);
  await authorize(caller, "read", { template: templateId });
  const body = await readJson(request, ForkBody);
  await authorize(caller, "write", { library: body.libraryId });
  const template = await forkTemplate({ templateId, libraryId: body.libraryId, name: body.name, createdById: authorId(caller) });
  return json({ template }, { status: 201 });
});
