import type { Metadata } from "next";
import { listEngines } from "@/lib/engines";
import { EnginesView } from "@/components/engines/EnginesView";
import { listScope, pageCaller } from "../not-found-guard";

export const metadata: Metadata = { title: "Engines" };
export const dynamic = "force-dynamic";

/** The engine registry: bundled, declared and stored engines; the list is fetched again after every change. */
export default async function EnginesPage() {
  return <EnginesView initial={await listEngines(listScope(await pageCaller()))} />;
}
