import { authorize, callerOf } from "@/lib/auth";
import { deleteAsset, getAssetBytes } from "@/lib/store";
import { parseWith, route } from "@/lib/http/respond";
import { AssetIdSchema } from "@/lib/http/params";
import { immutableImageResponse } from "./immutable";

type Ctx = { params: Promise<{ id: string }> };

export const GET = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(AssetIdSchema, (await ctx.params).id, "asset id");
  await authorize(await callerOf(request), "read", { asset: id });
  if (request.headers.get("if-none-match") === `"${id}"`) return new Response(null, { status: 304 });
  const { info, bytes } = await getAssetBytes(id);
  return immutableImageResponse(bytes, info.mediaType, id);
});

/** Delete an image nothing refers to (204); 409 naming what still uses it ("used by 3 templates and 1 dataset"). */
export const DELETE = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(AssetIdSchema, (await ctx.params).id, "asset id");
  await authorize(await callerOf(request), "delete", { asset: id });
  await deleteAsset(id);
  return new Response(null, { status: 204 });
});
