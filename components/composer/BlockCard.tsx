"use client";

import { useSortable } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import type { Block } from "@/lib/prompt/schema";
import { AssetImage } from "@/components/ui/AssetImage";
import { HighlightTextarea } from "./HighlightTextarea";
import { CloseIcon, GripIcon, ImageIcon, SwapIcon } from "./icons";

interface Props {
  id: string;
  block: Block;
  /** "Shot 2, block 1", for labels. */
  label: string;
  canRemove: boolean;
  onText(text: string): void;
  onReplace(): void;
  onRemove(): void;
  /**
   * An image variable's slot, where images fill the variable for running: what is bound to it
   * (null: nothing yet), and how to upload one for it.
   */
  bound?: string | null;
  onFill?(): void;
}

const iconBtn =
  "inline-flex size-6 items-center justify-center rounded-md border border-stone-200 bg-white/95 text-stone-600 shadow-xs hover:bg-stone-100 hover:text-stone-900 disabled:opacity-40";

/** One sortable card: an image (asset or variable slot) or an editable text block. */
export function BlockCard({ id, block, label, canRemove, onText, onReplace, onRemove, bound, onFill }: Props) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id });
  const style = { transform: CSS.Translate.toString(transform), transition };
  const handle = (
    <button
      type="button"
      ref={setActivatorNodeRef}
      {...attributes}
      {...listeners}
      aria-label={`Move ${label}`}
      className={`${iconBtn} cursor-grab touch-none active:cursor-grabbing`}
      data-testid="block-handle"
    >
      <GripIcon className="size-3.5" />
    </button>
  );
  const remove = (
    <button type="button" className={iconBtn} onClick={onRemove} disabled={!canRemove} aria-label={`Remove ${label}`} title={canRemove ? "Remove" : "A chunk needs at least one block"} data-testid="block-remove">
      <CloseIcon />
    </button>
  );
  const lift = isDragging ? "z-10 shadow-lg ring-2 ring-brand-300" : "";

  if (block.type === "text") {
    return (
      <div ref={setNodeRef} style={style} className={`flex min-w-40 flex-[1_1_10rem] items-start gap-1 rounded-md ${lift}`} data-testid="composer-text-block" data-block-id={id}>
        <div className="flex flex-col gap-1 pt-1.5">{handle}</div>
        <HighlightTextarea value={block.text} onChange={onText} label={`Text of ${label}`} placeholder="Text, with {{variables}}" testId="composer-text" />
        <div className="pt-1.5">{remove}</div>
      </div>
    );
  }

  const { source } = block;
  return (
    <figure
      ref={setNodeRef}
      style={style}
      className={`relative size-24 shrink-0 rounded-md sm:size-28 ${lift}`}
      data-testid="composer-image"
      data-block-id={id}
      data-asset-id={source.kind === "asset" ? source.assetId : undefined}
      data-image-variable={source.kind === "variable" ? source.name : undefined}
      data-bound-asset-id={source.kind === "variable" && bound ? bound : undefined}
    >
      {source.kind === "asset" ? (
        <AssetImage assetId={source.assetId} alt={block.alt || `Image of ${label}`} className="size-full rounded-md border border-stone-200" />
      ) : bound ? (
        // The variable stays in the template; this image is what runs fill it with.
        <div className="relative size-full overflow-hidden rounded-md border-2 border-amber-300">
          <AssetImage assetId={bound} alt={`Image bound to ${source.name}`} className="size-full" />
          <figcaption className="absolute inset-x-0 bottom-0 truncate bg-amber-50/95 px-1 py-0.5 text-center font-mono text-[10px] leading-tight text-amber-900" title={`{{${source.name}}}: the image runs use; the template keeps the variable`}>
            {`{{${source.name}}}`}
          </figcaption>
        </div>
      ) : (
        <div className="flex size-full flex-col items-center justify-center gap-1 rounded-md border-2 border-dashed border-amber-300 bg-amber-50 p-2 text-center">
          <ImageIcon className="size-5 text-amber-600" />
          <figcaption className="max-w-full break-all font-mono text-[11px] leading-tight text-amber-900">{`{{${source.name}}}`}</figcaption>
          {onFill ? (
            <button type="button" className="text-[10px] font-medium text-brand-700 underline hover:text-brand-900" onClick={onFill} data-testid="slot-upload">
              drop or upload an image
            </button>
          ) : (
            <span className="text-[10px] text-amber-700">at run time</span>
          )}
        </div>
      )}
      <div className="absolute inset-x-1 top-1 flex justify-between">
        {handle}
        <div className="flex gap-1">
          <button type="button" className={iconBtn} onClick={onReplace} aria-label={`Replace ${label}`} title="Replace" data-testid="image-replace">
            <SwapIcon />
          </button>
          {remove}
        </div>
      </div>
    </figure>
  );
}
