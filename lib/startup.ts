import "server-only";
import { migrate } from "@/lib/store/migrate";
import { seedExamples } from "@/lib/examples";

/** Schema first, then the example library; both are idempotent and safe on every start. */
export async function startup(): Promise<void> {
  const migrated = await migrate();
  if (migrated.applied.length > 0) console.info(`[flamingo-studio] applied migrations: ${migrated.applied.join(", ")}`);
  const seeded = await seedExamples();
  console.info(`[flamingo-studio] example library ready (${JSON.stringify(seeded)})`);
  // Resumes sweeps a dead process left running, then runs queued ones in the background.
  const { startSweepRunner } = await import("@/lib/sweeps/runner");
  startSweepRunner();
}
