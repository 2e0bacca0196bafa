import { z } from "zod";
import { forkTemplate } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";
import { safeText } from "@/lib/text";

const ForkBody = safeText(z.object({ libraryId: IdSchema, name: z.string().trim().min(1).max(120).optional() }));

export const POST = route(async (request: Request, ctx: { params: Promise<{ id: string }> }) => {
  const templateId = parseWith(IdSchema, (await ctx.params).id, "template id");
  const body = await readJson(request, ForkBody);
  const template = await forkTemplate({ templateId, libraryId: body.libraryId, name: body.name });
  return json({ template }, { status: 201 });
});
