import { getAssetBytes } from "@/lib/store";
import { parseWith, route } from "@/lib/http/respond";
import { AssetIdSchema } from "@/lib/http/params";
import { immutableImageResponse } from "./immutable";

export const GET = route(async (request: Request, ctx: { params: Promise<{ id: string }> }) => {
  const id = parseWith(AssetIdSchema, (await ctx.params).id, "asset id");
  if (request.headers.get("if-none-match") === `"${id}"`) return new Response(null, { status: 304 });
  const { info, bytes } = await getAssetBytes(id);
  return immutableImageResponse(bytes, info.mediaType, id);
});
