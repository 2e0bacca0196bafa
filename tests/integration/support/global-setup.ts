/**
 * vitest globalSetup for the integration project: one PostgreSQL server for
 * the whole run (each test file makes its own database on it). PG_TEST_URL,
 * if set, names an existing server to use instead (any database on it; the
 * user must be allowed to CREATE DATABASE).
 */
import type { TestProject } from "vitest/node";
import { startCluster, type Cluster } from "./postgres-cluster";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

let cluster: Cluster | undefined;

export default async function setup(project: TestProject): Promise<() => void> {
  const given = process.env.PG_TEST_URL?.trim();
  if (given) {
    project.provide("pgAdminUrl", given);
  } else {
    cluster = await startCluster();
    project.provide("pgAdminUrl", cluster.adminUrl);
    // An interrupted run (Ctrl-C, a CI timeout) must not leave a server behind.
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(signal, () => {
        stop();
        process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
      });
    }
    process.once("exit", stop);
  }
  return stop;
}

function stop(): void {
  const c = cluster;
  cluster = undefined;
  c?.stop();
}
