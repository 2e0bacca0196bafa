import { authorize, callerOf } from "@/lib/auth";
import { json, route } from "@/lib/http/respond";
import { deleteSweep, getSweep } from "@/lib/store";
import { sweepRunner } from "@/lib/sweeps/runner";
import { sweepId, type SweepCtx } from "./params";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await authorize(await callerOf(request), "read", { sweep: id });
  return json({ sweep: await getSweep(id) });
});

/** Delete the sweep and its results (a running one stops at its next batch). */
export const DELETE = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await authorize(await callerOf(request), "delete", { sweep: id });
  await deleteSweep(id);
  sweepRunner().abort(id);
  return new Response(null, { status: 204 });
});
