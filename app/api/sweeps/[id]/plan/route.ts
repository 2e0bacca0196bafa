import { authorize, callerOf } from "@/lib/auth";
import { json, parseWith, route } from "@/lib/http/respond";
import { PlanQuery } from "@/lib/sweeps/schema";
import { browserPlan } from "@/lib/sweeps/service";
import { searchOf, sweepId, type SweepCtx } from "../params";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** A browser-backend sweep's next unfinished cells (`?limit`, default 32), prompts rendered. */
export const GET = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await authorize(await callerOf(request), "run", { sweep: id });
  const { limit } = parseWith(PlanQuery, searchOf(request), "query");
  return json({ plan: await browserPlan(id, limit) });
});
