import { authorize, callerOf } from "@/lib/auth";
import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/respond";
import { getSweep } from "@/lib/store";
import { requeueFailedCells } from "@/lib/store/sweeps";
import { sweepRunner } from "@/lib/sweeps/runner";
import { sweepId, type SweepCtx } from "../params";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** "Retry failed cells": the failed cells run again (the others stay); 409 when none failed. */
export const POST = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await authorize(await callerOf(request), "run", { sweep: id });
  const before = await getSweep(id);
  if (before.config.backend !== "server") throw new AppError("conflict", "Only server sweeps store failed cells; a browser sweep resumes from its page");
  const retried = await requeueFailedCells(id);
  if (retried === 0) throw new AppError("conflict", "No cell of this sweep failed; there is nothing to retry");
  sweepRunner().kick();
  return json({ retried, sweep: await getSweep(id) });
});
