"use client";

import { DndContext, type DragEndEvent } from "@dnd-kit/core";
import { SortableContext, rectSortingStrategy } from "@dnd-kit/sortable";
import { useId, type CSSProperties, type ReactNode, type Ref } from "react";
import type { Bindings } from "@/lib/prompt/render";
import { blockKey, blocksOf, chunkByKey, minBlocks, moveBlock, removeBlock, setText, type ChunkRef, type Doc } from "./document-ops";
import { BlockCard } from "./BlockCard";
import { ImageIcon, PlusIcon, UploadIcon } from "./icons";
import { announcements, screenReaderInstructions, stripCollisions, useSortSensors } from "./dnd";

export type Edit = (op: (doc: Doc) => Doc) => void;

export interface ChunkActions {
  edit: Edit;
  /** Open the file dialog for this chunk (`atKey`: the block it is for, an image variable's slot). */
  upload(chunkKey: string, atKey?: string): void;
  /** Open the picker to add an image to the chunk, or to replace block `replaceKey`. */
  pick(chunkKey: string, replaceKey?: string): void;
  addText(chunkKey: string): void;
}

interface Props {
  doc: Doc;
  chunk: ChunkRef;
  chunkKey: string;
  title: string;
  tone: "preamble" | "shot" | "query";
  actions: ChunkActions;
  /** Uploads on their way into this chunk. */
  pending: number;
  /** Files are being dragged over this chunk. */
  dropping: boolean;
  /** Run-time bindings, when images put into a variable's slot fill it (the slot shows its image). */
  bindings?: Bindings;
  /** A shot's drag handle, before the title. */
  handle?: ReactNode;
  /** A shot's buttons, after the title. */
  tools?: ReactNode;
  /** In the strip after the blocks: a shot's answer, the query's "the model continues here". */
  children?: ReactNode;
  outerRef?: Ref<HTMLElement>;
  style?: CSSProperties;
  lifted?: boolean;
}

const TOOL = "inline-flex items-center gap-1 rounded-md px-1.5 py-1 font-medium text-stone-600 hover:bg-white hover:text-brand-700";

const TONE = {
  preamble: "border-stone-200 bg-stone-100/70",
  shot: "border-stone-200 bg-stone-50",
  query: "border-brand-200 bg-brand-50/60",
} as const;

const boundAssetId = (v: Bindings[string] | undefined): string | null => (v && typeof v === "object" ? v.assetId : null);

/** A chunk of the prompt: its blocks in a sortable strip, and the ways to add more. */
export function ChunkCard({ outerRef, ...p }: Props) {
  const { doc, chunk, chunkKey, actions } = p;
  const dndId = useId();
  const sensors = useSortSensors();
  const blocks = blocksOf(doc, chunk);
  const keys = blocks.map((b, i) => blockKey(chunkKey, b, i));
  const canRemove = blocks.length > minBlocks(chunk);
  const nameOf = (id: string | number) => {
    const i = keys.indexOf(String(id));
    return `${p.title}, block ${i + 1} (${blocks[i]?.type ?? "block"})`;
  };
  const inChunk = (op: (d: Doc, c: ChunkRef) => Doc) =>
    actions.edit((d) => {
      const c = chunkByKey(d, chunkKey);
      return c ? op(d, c) : d;
    });

  function onDragEnd({ active, over }: DragEndEvent) {
    if (!over || active.id === over.id) return;
    const from = keys.indexOf(String(active.id));
    const to = keys.indexOf(String(over.id));
    if (from >= 0 && to >= 0) inChunk((d, c) => moveBlock(d, c, from, to));
  }

  return (
    <section
      ref={outerRef}
      style={p.style}
      tabIndex={-1}
      aria-label={p.title}
      data-chunk-key={chunkKey}
      data-testid={`composer-${p.tone}`}
      className={`group/chunk rounded-lg border p-3 outline-none transition-shadow focus-within:ring-2 focus-within:ring-brand-200 ${TONE[p.tone]} ${
        p.dropping ? "ring-2 ring-brand-500 ring-offset-1" : ""
      } ${p.lifted ? "z-10 shadow-xl ring-2 ring-brand-300" : ""}`}
    >
      <header className="mb-2 flex items-center gap-2">
        {p.handle}
        <h3 className="text-xs font-semibold uppercase tracking-wide text-stone-500">{p.title}</h3>
        <div className="ml-auto flex items-center gap-1">{p.tools}</div>
      </header>

      <DndContext
        id={dndId}
        sensors={sensors}
        collisionDetection={stripCollisions}
        onDragEnd={onDragEnd}
        accessibility={{ announcements: announcements(nameOf), screenReaderInstructions }}
      >
        <SortableContext items={keys} strategy={rectSortingStrategy}>
          <div className="flex flex-wrap items-start gap-2" data-testid="chunk-blocks">
            {blocks.map((b, i) => (
              <BlockCard
                key={keys[i]}
                id={keys[i]!}
                block={b}
                label={`${p.title}, block ${i + 1}`}
                canRemove={canRemove}
                onText={(text) => inChunk((d, c) => setText(d, c, i, text))}
                onReplace={() => actions.pick(chunkKey, keys[i])}
                onRemove={() => inChunk((d, c) => removeBlock(d, c, i))}
                {...(p.bindings && b.type === "image" && b.source.kind === "variable"
                  ? { bound: boundAssetId(p.bindings[b.source.name]), onFill: () => actions.upload(chunkKey, keys[i]) }
                  : {})}
              />
            ))}
            {p.pending > 0 ? (
              <div className="flex size-24 shrink-0 animate-pulse items-center justify-center rounded-md border border-dashed border-stone-300 bg-white text-xs text-stone-500 sm:size-28" role="status">
                Uploading…
              </div>
            ) : null}
            {p.children}
          </div>
        </SortableContext>
      </DndContext>

      <div className="mt-2 flex flex-wrap items-center gap-0.5 text-xs">
        <button type="button" className={TOOL} onClick={() => actions.upload(chunkKey)} data-testid="chunk-upload">
          <UploadIcon /> Upload image
        </button>
        <button type="button" className={TOOL} onClick={() => actions.pick(chunkKey)} data-testid="chunk-pick">
          <ImageIcon className="size-3.5" /> From library
        </button>
        <button type="button" className={TOOL} onClick={() => actions.addText(chunkKey)} data-testid="chunk-add-text">
          <PlusIcon /> Text
        </button>
        <span className="ml-1 hidden text-[11px] text-stone-400 sm:inline">{p.dropping ? "Drop to add here" : "or drop / paste an image"}</span>
      </div>
    </section>
  );
}
