import { databaseHealth } from "@/lib/store";
import { installedModels } from "@/lib/models/installed";

export const dynamic = "force-dynamic";

/** Readiness: database reachable, migrations applied, model packages present. 503 when not ready. */
export async function GET(): Promise<Response> {
  const [database, models] = await Promise.all([databaseHealth(), installedModels()]);
  const ready = database.reachable && database.migrations.pending.length === 0;
  return Response.json(
    { status: ready ? "ok" : "unavailable", database, models: models.models, modelErrors: models.errors },
    { status: ready ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
