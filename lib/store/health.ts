import "server-only";
import { database, databaseUrl, providerOf, redact, type Provider } from "./db";
import { migrationStatus } from "./migrate";

export interface DatabaseHealth {
  provider: Provider | "unknown";
  reachable: boolean;
  migrations: { applied: string[]; pending: string[] };
  /** What went wrong, safe to show (no passwords). */
  error?: string;
}

/** For /api/health: never throws, so the route can always answer. */
export async function databaseHealth(): Promise<DatabaseHealth> {
  let url = databaseUrl();
  let provider: DatabaseHealth["provider"] = "unknown";
  try {
    provider = providerOf(url);
    const current = database();
    url = current.url;
    provider = current.provider;
    await current.client.$queryRawUnsafe("SELECT 1");
  } catch (e) {
    return { provider, reachable: false, migrations: { applied: [], pending: [] }, error: redact(message(e)) };
  }
  try {
    const status = await migrationStatus(url);
    const failed = status.failed.length > 0 ? `migration ${status.failed.join(", ")} failed; fix it by hand` : undefined;
    return { provider, reachable: true, migrations: { applied: status.applied, pending: status.pending }, ...(failed ? { error: failed } : {}) };
  } catch (e) {
    return { provider, reachable: true, migrations: { applied: [], pending: [] }, error: redact(message(e)) };
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
