import type { Block } from "@/lib/prompt/schema";
import { AssetImage, assetUrl } from "@/components/ui/AssetImage";
import { HighlightedText } from "./HighlightedText";

/** One block of the strip: an image card or a text block. `share`: a share link's token (images load with it). */
export function BlockView({ block, share }: { block: Block; share?: string }) {
  if (block.type === "text") {
    return (
      <div className="min-w-16 max-w-full rounded-md border border-stone-200 bg-white px-3 py-2 text-sm sm:max-w-md" data-testid="text-block">
        {block.text === "" ? <span className="italic text-stone-400">(empty)</span> : <HighlightedText text={block.text} />}
      </div>
    );
  }
  const { source } = block;
  if (source.kind === "variable") {
    return (
      <figure
        className="flex size-28 shrink-0 flex-col items-center justify-center gap-1 rounded-md border-2 border-dashed border-amber-300 bg-amber-50 p-2 text-center"
        data-testid="image-block"
        data-image-variable={source.name}
      >
        <svg aria-hidden viewBox="0 0 24 24" className="size-6 text-amber-600" fill="none" stroke="currentColor" strokeWidth="1.8">
          <rect x="3" y="4" width="18" height="16" rx="2" />
          <circle cx="9" cy="10" r="2" />
          <path d="m21 16-5-5-9 9" />
        </svg>
        <figcaption className="max-w-full break-all font-mono text-[11px] leading-tight text-amber-900">{`{{${source.name}}}`}</figcaption>
        <span className="text-[10px] text-amber-700">image at run time</span>
      </figure>
    );
  }
  return (
    <figure className="shrink-0" data-testid="image-block" data-asset-id={source.assetId}>
      <a href={assetUrl(source.assetId, "full", share)} target="_blank" rel="noreferrer" className="block rounded-md" title={block.alt || "Open the full image"}>
        <AssetImage assetId={source.assetId} share={share} alt={block.alt || "Prompt image"} className="size-28 rounded-md border border-stone-200" />
      </a>
      {block.alt ? <figcaption className="mt-1 max-w-28 truncate text-[11px] text-stone-500">{block.alt}</figcaption> : null}
    </figure>
  );
}
