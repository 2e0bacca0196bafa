import type { DatasetItemRow } from "@/lib/store/types";
import { AssetImage } from "@/components/ui/AssetImage";
import { SplitBadge } from "./SplitBadge";

/** The items as an image grid: answer, question and candidates under each image. */
export function ItemGrid({ items }: { items: DatasetItemRow[] }) {
  if (items.length === 0) return <p className="rounded-md border border-dashed border-stone-300 p-6 text-center text-sm text-stone-500" data-testid="dataset-empty">No items match these filters.</p>;
  return (
    <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 md:grid-cols-4 lg:grid-cols-6" data-testid="dataset-grid">
      {items.map((item) => (
        <li key={item.id} className="card flex flex-col overflow-hidden" data-testid="dataset-item" data-split={item.split} data-answer={item.answer}>
          <div className="relative bg-stone-100">
            {/* Full image, scaled up crisply: the example datasets are 32×32, the model's input size. */}
            <AssetImage assetId={item.assetId} variant="full" alt={`Item ${item.position + 1}: ${item.answer}`} className="aspect-square w-full [image-rendering:pixelated]" />
            <span className="absolute left-1.5 top-1.5">
              <SplitBadge split={item.split} />
            </span>
            <span className="absolute right-1.5 top-1.5 rounded bg-white/80 px-1 text-[11px] tabular-nums text-stone-600">#{item.position + 1}</span>
          </div>
          <div className="flex flex-col gap-1 p-2 text-sm">
            {item.question ? <p className="text-xs text-stone-600" data-testid="dataset-item-question">{item.question}</p> : null}
            <p className="font-semibold text-stone-900 wrap-anywhere" data-testid="dataset-item-answer">
              {item.answer}
            </p>
            {item.candidates ? (
              <ul className="flex flex-wrap gap-1" aria-label="Candidate answers" data-testid="dataset-item-candidates">
                {item.candidates.map((c) => (
                  <li key={c} className={`rounded px-1 text-[11px] ${c === item.answer ? "bg-emerald-100 text-emerald-800" : "bg-stone-100 text-stone-600"}`}>
                    {c}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        </li>
      ))}
    </ul>
  );
}
