/** Row counts of the template aggregates: a failed call must leave them as they were. */
import { db } from "@/lib/store/db";

export async function templateRowCounts() {
  const c = db();
  return {
    libraries: await c.library.count(),
    templates: await c.template.count(),
    versions: await c.templateVersion.count(),
    assets: await c.asset.count(),
  };
}
