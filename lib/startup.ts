import "server-only";
import { migrate } from "@/lib/store/migrate";
import { seedExamples } from "@/lib/examples";
import { checkEngineConfiguration } from "@/lib/engines";
import { checkAuthConfiguration } from "@/lib/auth/startup";

/**
 * The engines' configuration first (STUDIO_SECRET_KEY, declared engines: a mistake stops the start with
 * its name rather than surfacing on the first run), then the schema and the example library; all
 * idempotent and safe on every start.
 */
export async function startup(): Promise<void> {
  checkAuthConfiguration();
  await checkEngineConfiguration();
  const migrated = await migrate();
  if (migrated.applied.length > 0) console.info(`[flamingo-studio] applied migrations: ${migrated.applied.join(", ")}`);
  const seeded = await seedExamples();
  console.info(`[flamingo-studio] example library ready (${JSON.stringify(seeded)})`);
  // Resumes sweeps a dead process left running, then runs queued ones in the background.
  const { startSweepRunner } = await import("@/lib/sweeps/runner");
  startSweepRunner();
}
