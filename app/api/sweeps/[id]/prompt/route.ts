import { authorize, callerOf } from "@/lib/auth";
import { json, parseWith, route } from "@/lib/http/respond";
import { CellQuery } from "@/lib/sweeps/schema";
import { cellPrompt } from "@/lib/sweeps/service";
import { searchOf, sweepId, type SweepCtx } from "../params";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The exact serialized prompt of one cell (`?itemId&shots&seed&selection`) with its demonstrations. */
export const GET = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await authorize(await callerOf(request), "read", { sweep: id });
  const key = parseWith(CellQuery, searchOf(request), "query");
  return json({ prompt: await cellPrompt(id, key) });
});
