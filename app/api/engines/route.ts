import { createEngine, listEngines } from "@/lib/engines";
import { json, readJson, route } from "@/lib/http/respond";
import { CreateEngineBody, ENGINE_BODY_LIMIT } from "./schema";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Every engine: bundled packages, then declared engines, then stored ones by name. No secrets. */
export const GET = route(async () => json({ engines: await listEngines() }));

/** Save a remote engine (its key and header values encrypted at rest); a taken name is a 409. */
export const POST = route(async (request: Request) => {
  const body = await readJson(request, CreateEngineBody, ENGINE_BODY_LIMIT);
  return json({ engine: await createEngine(body) }, { status: 201 });
});
