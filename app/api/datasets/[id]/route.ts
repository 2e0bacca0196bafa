import { authorize, callerOf } from "@/lib/auth";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";
import { deleteDataset, getDataset, listDatasetItems, updateDataset } from "@/lib/store/datasets";
import { ItemsQuery, PatchDatasetBody } from "../schema";

type Ctx = { params: Promise<{ id: string }> };

/** The dataset with one page of items (?split=pool|eval&answer=&offset=&limit=, default 60). Images: /api/assets/:assetId. */
export const GET = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "dataset id");
  await authorize(await callerOf(request), "read", { dataset: id });
  const query = parseWith(ItemsQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  const [dataset, items] = await Promise.all([getDataset(id), listDatasetItems(id, query)]);
  return json({ dataset, items });
});

/** Rename or re-describe. */
export const PATCH = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "dataset id");
  await authorize(await callerOf(request), "write", { dataset: id });
  const body = await readJson(request, PatchDatasetBody);
  return json({ dataset: await updateDataset(id, body) });
});

export const DELETE = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "dataset id");
  await authorize(await callerOf(request), "delete", { dataset: id });
  await deleteDataset(id);
  return new Response(null, { status: 204 });
});
