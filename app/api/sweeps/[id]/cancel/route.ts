import { authorize, callerOf } from "@/lib/auth";
import { json, route } from "@/lib/http/respond";
import { cancelSweep } from "@/lib/store";
import { sweepRunner } from "@/lib/sweeps/runner";
import { sweepId, type SweepCtx } from "../params";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Queued or running → cancelled; the cells already finished are kept. */
export const POST = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await authorize(await callerOf(request), "run", { sweep: id });
  const sweep = await cancelSweep(id);
  sweepRunner().abort(id);
  return json({ sweep });
});
