import type { Metadata } from "next";
import { listLibraries } from "@/lib/store";
import { listDatasets } from "@/lib/store/datasets";
import { DatasetCard } from "@/components/dataset/DatasetCard";
import { ImportDatasetForm } from "@/components/dataset/ImportDatasetForm";
import { preferredLibrary } from "@/components/ui/libraries";
import { listScope, pageCaller } from "../not-found-guard";

export const metadata: Metadata = { title: "Datasets" };
export const dynamic = "force-dynamic";

export default async function DatasetsPage() {
  const workspaces = listScope(await pageCaller());
  const [datasets, libraries] = await Promise.all([listDatasets({ workspaces }), listLibraries({ workspaces })]);
  return (
    <div className="flex flex-col gap-6 lg:flex-row-reverse">
      <aside className="shrink-0 lg:w-96">
        <ImportDatasetForm libraries={libraries} defaultLibraryId={preferredLibrary(libraries)?.id} />
      </aside>
      <section className="flex min-w-0 flex-1 flex-col gap-4" aria-labelledby="datasets-heading">
        <div>
          <h1 id="datasets-heading" className="text-2xl font-semibold tracking-tight">
            Datasets
          </h1>
          <p className="text-sm text-stone-600">
            Images with answers (and questions, candidate answers), split into a demonstration pool and an evaluation set: what comparisons run
            templates over.
          </p>
        </div>
        <p className="text-sm text-stone-600" data-testid="dataset-count">
          {datasets.length} {datasets.length === 1 ? "dataset" : "datasets"}
        </p>
        <ul className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" data-testid="dataset-list">
          {datasets.map((d) => (
            <DatasetCard key={d.id} dataset={d} />
          ))}
        </ul>
      </section>
    </div>
  );
}
