import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { createSweep } from "@/lib/sweeps/service";
import { SweepListQuery, SweepRequestSchema } from "@/lib/sweeps/schema";
import { listSweeps } from "@/lib/store";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Sweeps, newest first (`?datasetId`, `?templateId`). */
export const GET = route(async (request: Request) => {
  const query = parseWith(SweepListQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  return json({ sweeps: await listSweeps(query) });
});

/** Create a sweep (SweepRequest); a server-backend sweep starts in the background at once. */
export const POST = route(async (request: Request) => {
  const body = await readJson(request, SweepRequestSchema, 64 * 1024);
  return json({ sweep: await createSweep(body) }, { status: 201 });
});
