import { authorize, callerOf } from "@/lib/auth";
import { json, readJson, route } from "@/lib/http/respond";
import { listSweepResults } from "@/lib/store";
import { SweepResultsPostSchema } from "@/lib/sweeps/schema";
import { postBrowserResults } from "@/lib/sweeps/service";
import { safeText } from "@/lib/text";
import { sweepId, type SweepCtx } from "../params";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await authorize(await callerOf(request), "read", { sweep: id });
  return json({ results: await listSweepResults(id) });
});

/** Posted cells whose outputs hold no NUL characters or unpaired surrogates (they are stored as text). */
const PostResultsBody = safeText(SweepResultsPostSchema);

/** A browser-backend sweep's finished cells (SweepResultsPost); idempotent per cell. */
export const POST = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await authorize(await callerOf(request), "run", { sweep: id });
  const body = await readJson(request, PostResultsBody, 1024 * 1024);
  return json(await postBrowserResults(id, body));
});
