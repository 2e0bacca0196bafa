import { json, readJson, route } from "@/lib/http/respond";
import { listSweepResults } from "@/lib/store";
import { SweepResultsPostSchema } from "@/lib/sweeps/schema";
import { postBrowserResults } from "@/lib/sweeps/service";
import { sweepId, type SweepCtx } from "../params";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = route(async (_request: Request, ctx: SweepCtx) => json({ results: await listSweepResults(await sweepId(ctx)) }));

/** A browser-backend sweep's finished cells (SweepResultsPost); idempotent per cell. */
export const POST = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  const body = await readJson(request, SweepResultsPostSchema, 1024 * 1024);
  return json(await postBrowserResults(id, body));
});
