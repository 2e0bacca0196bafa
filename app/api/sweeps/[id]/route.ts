import { json, route } from "@/lib/http/respond";
import { deleteSweep, getSweep } from "@/lib/store";
import { sweepRunner } from "@/lib/sweeps/runner";
import { sweepId, type SweepCtx } from "./params";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = route(async (_request: Request, ctx: SweepCtx) => json({ sweep: await getSweep(await sweepId(ctx)) }));

/** Delete the sweep and its results (a running one stops at its next batch). */
export const DELETE = route(async (_request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await deleteSweep(id);
  sweepRunner().abort(id);
  return new Response(null, { status: 204 });
});
