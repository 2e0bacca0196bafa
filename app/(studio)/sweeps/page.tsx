import type { Metadata } from "next";
import Link from "next/link";
import { listSweeps } from "@/lib/store/sweeps";
import { SweepList } from "@/components/comparison/SweepList";
import { firstParam, hrefWith } from "@/components/ui/format";
import { listScope, pageCaller } from "../not-found-guard";

export const metadata: Metadata = { title: "Comparisons" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SweepsPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const datasetId = firstParam(sp.datasetId);
  const templateId = firstParam(sp.templateId);
  const sweeps = await listSweeps({ datasetId, templateId, workspaces: listScope(await pageCaller()) });
  const filtered = Boolean(datasetId || templateId);
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Comparisons</h1>
          <p className="text-sm text-stone-600">Sweeps of a template over a dataset at several shot counts: accuracy against shots, side by side.</p>
        </div>
        <Link href={hrefWith("/sweeps/new", { datasetId, templateId })} className="btn btn-primary" data-testid="new-sweep-link">
          New comparison
        </Link>
      </div>
      {filtered ? (
        <p className="text-sm text-stone-600">
          Showing the comparisons of one {datasetId ? "dataset" : "template"}.{" "}
          <Link href="/sweeps" className="text-brand-700 hover:underline">
            Show all
          </Link>
        </p>
      ) : null}
      <SweepList sweeps={sweeps} />
    </div>
  );
}
