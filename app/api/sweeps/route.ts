import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { createSweep } from "@/lib/sweeps/service";
import { SweepListQuery, SweepRequestSchema } from "@/lib/sweeps/schema";
import { listSweeps } from "@/lib/store";
import { safeText } from "@/lib/text";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Sweeps, newest first (`?datasetId`, `?templateId`). */
export const GET = route(async (request: Request) => {
  const query = parseWith(SweepListQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  return json({ sweeps: await listSweeps(query) });
});

/** A sweep request, with no NUL characters or unpaired surrogates in its name or engine ids (lib/text.ts). */
const CreateSweepBody = safeText(SweepRequestSchema);

/** Create a sweep (SweepRequest); a server-backend sweep starts in the background at once. */
export const POST = route(async (request: Request) => {
  const body = await readJson(request, CreateSweepBody, 64 * 1024);
  return json({ sweep: await createSweep(body) }, { status: 201 });
});
