import { authorize, callerOf } from "@/lib/auth";
import { getAssetThumbnail } from "@/lib/store";
import { parseWith, route } from "@/lib/http/respond";
import { AssetIdSchema } from "@/lib/http/params";
import { immutableImageResponse } from "../immutable";

export const GET = route(async (request: Request, ctx: { params: Promise<{ id: string }> }) => {
  const id = parseWith(AssetIdSchema, (await ctx.params).id, "asset id");
  await authorize(await callerOf(request), "read", { asset: id });
  const etag = `${id}-thumb`;
  if (request.headers.get("if-none-match") === `"${etag}"`) return new Response(null, { status: 304 });
  return immutableImageResponse(await getAssetThumbnail(id), "image/webp", etag);
});
