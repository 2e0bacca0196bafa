import Link from "next/link";
import type { DatasetSummary } from "@/lib/store/datasets";
import { AssetImage } from "@/components/ui/AssetImage";
import { formatDate } from "@/components/ui/format";

const TASK_LABEL: Record<DatasetSummary["task"], string> = { classification: "classification", vqa: "VQA", captioning: "captioning", other: "other" };

export function DatasetCard({ dataset }: { dataset: DatasetSummary }) {
  return (
    <li
      className="card group relative flex flex-col overflow-hidden transition-shadow focus-within:ring-2 focus-within:ring-brand-600 hover:shadow-md"
      data-testid="dataset-card"
      data-dataset-id={dataset.id}
      data-name={dataset.name}
    >
      <div className="flex h-20 gap-1 overflow-hidden border-b border-stone-100 bg-stone-50 p-2" aria-hidden>
        {dataset.previewAssetIds.map((id, i) => (
          <AssetImage key={`${id}-${i}`} assetId={id} alt="" className="aspect-square h-full shrink-0 rounded [image-rendering:pixelated]" />
        ))}
      </div>
      <div className="flex flex-1 flex-col gap-2 p-3">
        <h2 className="font-semibold leading-snug text-stone-900">
          <Link href={`/datasets/${dataset.id}`} className="after:absolute after:inset-0 focus-visible:outline-none" data-testid="dataset-card-link">
            {dataset.name}
          </Link>
        </h2>
        {dataset.description ? <p className="line-clamp-2 text-sm text-stone-600">{dataset.description}</p> : null}
        <p className="mt-auto flex flex-wrap items-center gap-x-2 pt-1 text-xs text-stone-500">
          <span>{dataset.libraryName}</span>
          <span aria-hidden>·</span>
          <span>{TASK_LABEL[dataset.task]}</span>
          <span aria-hidden>·</span>
          <span data-testid="dataset-card-counts">
            {dataset.itemCount} items ({dataset.poolCount} pool / {dataset.evalCount} eval)
          </span>
          <span aria-hidden>·</span>
          <span>{formatDate(dataset.createdAt)}</span>
        </p>
      </div>
    </li>
  );
}
