import type { Metadata } from "next";
import Link from "next/link";
import { cache } from "react";
import { getDataset, listDatasetItems } from "@/lib/store/datasets";
import type { DatasetSplit } from "@/lib/store/types";
import { AnswerFilter } from "@/components/dataset/AnswerFilter";
import { DatasetActions } from "@/components/dataset/DatasetActions";
import { ItemGrid } from "@/components/dataset/ItemGrid";
import { firstParam, formatDate, hrefWith } from "@/components/ui/format";
import { orNotFound, pageCaller } from "../../not-found-guard";

export const dynamic = "force-dynamic";

const PAGE_SIZE = 60;
const loadDataset = cache(getDataset);

type Params = Promise<{ id: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  try {
    await pageCaller({ dataset: id });
    return { title: (await loadDataset(id)).name };
  } catch {
    return { title: "Dataset" };
  }
}

export default async function DatasetPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  await pageCaller({ dataset: id });
  const dataset = await orNotFound(loadDataset(id));
  const splitParam = firstParam(sp.split);
  const split: DatasetSplit | undefined = splitParam === "pool" || splitParam === "eval" ? splitParam : undefined;
  const answer = firstParam(sp.answer);
  const page = Math.max(1, Number.parseInt(firstParam(sp.page) ?? "1", 10) || 1);
  const items = await listDatasetItems(id, { split, answer, offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE });
  const pages = Math.max(1, Math.ceil(items.total / PAGE_SIZE));
  const base = `/datasets/${encodeURIComponent(dataset.id)}`;

  const splitLink = (value: DatasetSplit | undefined, label: string, count: number) => (
    <Link
      href={hrefWith(base, { split: value, answer })}
      className={`rounded-md px-2.5 py-1 text-sm ${split === value ? "bg-brand-600 text-white" : "bg-white text-stone-700 hover:bg-stone-100"}`}
      aria-current={split === value ? "true" : undefined}
      data-testid={`dataset-filter-split-${value ?? "all"}`}
    >
      {label} ({count})
    </Link>
  );

  return (
    <div className="flex flex-col gap-4">
      <nav className="text-sm text-stone-500" aria-label="Breadcrumb">
        <Link href="/datasets" className="hover:underline">
          Datasets
        </Link>{" "}
        / {dataset.libraryName}
      </nav>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="max-w-3xl">
          <h1 className="text-2xl font-semibold tracking-tight" data-testid="dataset-title">
            {dataset.name}
          </h1>
          {dataset.description ? <p className="text-sm text-stone-600">{dataset.description}</p> : null}
          <p className="mt-1 text-xs text-stone-500" data-testid="dataset-summary">
            {dataset.task} · {dataset.itemCount} items: {dataset.poolCount} in the demonstration pool, {dataset.evalCount} to evaluate · {dataset.answers.length}{" "}
            distinct answers · imported {formatDate(dataset.createdAt)}
          </p>
        </div>
        <div className="flex flex-col items-end gap-2">
          <Link href={hrefWith("/sweeps/new", { datasetId: dataset.id })} className="btn btn-primary" data-testid="dataset-new-sweep">
            Compare shot counts on this dataset
          </Link>
          <DatasetActions id={dataset.id} name={dataset.name} />
        </div>
      </div>

      <div className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-stone-200 bg-stone-100 p-2">
        <div className="flex flex-wrap gap-1" role="group" aria-label="Split">
          {splitLink(undefined, "All", dataset.itemCount)}
          {splitLink("pool", "Pool", dataset.poolCount)}
          {splitLink("eval", "Eval", dataset.evalCount)}
        </div>
        <AnswerFilter base={base} split={split} answer={answer} answers={dataset.answers} />
      </div>

      <p className="text-sm text-stone-600" aria-live="polite" data-testid="dataset-item-count">
        {items.total} {items.total === 1 ? "item" : "items"}
        {pages > 1 ? ` · page ${page} of ${pages}` : ""}
      </p>
      <ItemGrid items={items.items} />
      {pages > 1 ? (
        <nav className="flex items-center justify-center gap-2" aria-label="Pages">
          {page > 1 ? (
            <Link className="btn" href={hrefWith(base, { split, answer, page: page - 1 })} data-testid="dataset-prev-page">
              Previous
            </Link>
          ) : null}
          {page < pages ? (
            <Link className="btn" href={hrefWith(base, { split, answer, page: page + 1 })} data-testid="dataset-next-page">
              Next
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}
