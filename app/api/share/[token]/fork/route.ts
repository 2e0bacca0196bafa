/**
 * POST /api/share/:token/fork { templateId, libraryId, name? }: fork a template a share link reaches into a
 * library of the caller's own. Two credentials meet here: the link lets them read the source (nothing else
 * does when it lives in another workspace), their session (or API key) must let them write the target.
 */
import { z } from "zod";
import { authorId, authorize, callerOf, requireIdentified, shareCaller } from "@/lib/auth";
import { AppError } from "@/lib/errors";
import { IdSchema } from "@/lib/http/params";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { forkTemplate } from "@/lib/store";
import { safeText } from "@/lib/text";
import { requireSharedMode } from "../../../account/common";

const ForkSharedBody = safeText(z.object({ templateId: IdSchema, libraryId: IdSchema, name: z.string().trim().min(1).max(120).optional() }));
const Token = z.string().min(16).max(64).regex(/^[A-Za-z0-9_-]+$/, "is not a share link's token");

const GONE = "This share link was revoked or never existed: ask whoever sent it for a new one.";

export const POST = route(async (request: Request, ctx: { params: Promise<{ token: string }> }) => {
  requireSharedMode();
  const token = parseWith(Token, (await ctx.params).token, "share link");
  const body = await readJson(request, ForkSharedBody, 4096);
  const link = await shareCaller(token);
  if (!link) throw new AppError("not_found", GONE);
  await authorize(link, "read", { template: body.templateId });
  // The link (in the path) reads; the request's own credentials — a session or a key, never a link — write.
  const caller = await callerOf(request);
  requireIdentified(caller);
  await authorize(caller, "write", { library: body.libraryId });
  const template = await forkTemplate({ templateId: body.templateId, libraryId: body.libraryId, name: body.name, createdById: authorId(caller) });
  return json({ template }, { status: 201 });
});
