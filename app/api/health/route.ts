import { databaseHealth } from "@/lib/store";
import { installedModels } from "@/lib/models/installed";
import { executionProviderPlan, serverModelStatus } from "@/lib/backends/server/status";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Readiness: database reachable, migrations applied, model packages present. 503 when not ready.
 * `runtime`: the execution provider each loaded model runs on (CUDA or CPU, with the reason CUDA
 * was not used) and what a load would pick now; reading it loads no model.
 */
export async function GET(): Promise<Response> {
  const [database, models] = await Promise.all([databaseHealth(), installedModels()]);
  const ready = database.reachable && database.migrations.pending.length === 0;
  return Response.json(
    {
      status: ready ? "ok" : "unavailable",
      database,
      models: models.models,
      modelErrors: models.errors,
      runtime: { loaded: serverModelStatus(), executionProvider: executionProviderPlan() },
    },
    { status: ready ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
