/**
 * Runs once when the Next server starts: bring the database schema up to date
 * and seed the example library, so a fresh clone works with no setup step.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startup } = await import("./lib/startup");
  await startup();
}
