import { databaseHealth } from "@/lib/store";
import { installedModels } from "@/lib/models/installed";
import { executionProviderPlan, serverModelStatus } from "@/lib/backends/server/status";
import { route } from "@/lib/http/respond";
import { authMode } from "@/lib/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Readiness: database reachable, migrations applied, model packages present. 503 when not ready.
 * `runtime`: the execution provider each loaded model runs on (CUDA or CPU, with the reason CUDA
 * was not used) and what a load would pick now; reading it loads no model. `memory`: this process's
 * resident set and heap in bytes (process.memoryUsage(); `rss` as well at the top, for scripts such as
 * `npm run hostile`).
 * Public on purpose (load balancers ask it): it names no stored resource. `auth`: "local" (no sign-in)
 * or "shared" (sign-in required: lib/auth/mode.ts).
 */
export const GET = route(async (_request?: Request): Promise<Response> => {
  const [database, models] = await Promise.all([databaseHealth(), installedModels()]);
  const ready = database.reachable && database.migrations.pending.length === 0;
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return Response.json(
    {
      status: ready ? "ok" : "unavailable",
      auth: authMode(),
      database,
      models: models.models,
      modelErrors: models.errors,
      runtime: { loaded: serverModelStatus(), executionProvider: executionProviderPlan() },
      rss,
      memory: { rss, heapUsed, external, arrayBuffers },
    },
    { status: ready ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
});
