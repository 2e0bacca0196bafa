import { authorize, callerOf } from "@/lib/auth";
import { json, route } from "@/lib/http/respond";
import { getSweep, listSweepResults } from "@/lib/store";
import { curveOf } from "@/lib/sweeps/curve";
import { sweepId, type SweepCtx } from "../params";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Accuracy per (selection, shots) over seeds × items, with Wilson 95% intervals. */
export const GET = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await authorize(await callerOf(request), "read", { sweep: id });
  const sweep = await getSweep(id);
  return json({ curve: curveOf(await listSweepResults(id), sweep.config.mode, sweep.config.engines) });
});
