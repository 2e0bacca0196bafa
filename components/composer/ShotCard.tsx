"use client";

import { useSortable } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import type { ComponentProps } from "react";
import { duplicateShot, removeShot, setAnswer, shotRef, chunkByKey, type Doc } from "./document-ops";
import { ChunkCard } from "./ChunkCard";
import { HighlightTextarea } from "./HighlightTextarea";
import { GripIcon } from "./icons";

type Props = Omit<ComponentProps<typeof ChunkCard>, "chunk" | "tone" | "handle" | "tools" | "children" | "outerRef" | "style" | "lifted"> & {
  index: number;
  count: number;
};

/** A demonstration: its blocks, its answer, then <|endofchunk|>; sortable among the shots. */
export function ShotCard({ index, count, ...rest }: Props) {
  const { doc, chunkKey, actions } = rest;
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: chunkKey });
  const shot = doc.shots?.[index];
  const onShot = (op: (d: Doc, i: number) => Doc) =>
    actions.edit((d) => {
      const c = chunkByKey(d, chunkKey);
      return c?.kind === "shot" ? op(d, c.index) : d;
    });
  if (!shot) return null;
  return (
    <ChunkCard
      {...rest}
      chunk={shotRef(index)}
      tone="shot"
      outerRef={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      lifted={isDragging}
      handle={
        <button
          type="button"
          ref={setActivatorNodeRef}
          {...attributes}
          {...listeners}
          aria-label={`Move ${rest.title} (${index + 1} of ${count})`}
          className="inline-flex size-6 cursor-grab touch-none items-center justify-center rounded-md text-stone-500 hover:bg-stone-200 hover:text-stone-900 active:cursor-grabbing"
          data-testid="shot-handle"
        >
          <GripIcon />
        </button>
      }
      tools={
        <>
          <button type="button" className="btn px-2 py-0.5 text-xs" onClick={() => onShot((d, i) => duplicateShot(d, i))} aria-label={`Duplicate ${rest.title}`} data-testid="shot-duplicate">
            Duplicate
          </button>
          <button type="button" className="btn btn-danger px-2 py-0.5 text-xs" onClick={() => onShot((d, i) => removeShot(d, i))} aria-label={`Remove ${rest.title}`} data-testid="shot-remove">
            Remove
          </button>
        </>
      }
    >
      <div className="flex min-w-40 flex-[1_1_10rem] items-start gap-1.5">
        <div className="flex min-w-0 flex-1 flex-col gap-0.5">
          <HighlightTextarea
            value={shot.answer}
            onChange={(v) => onShot((d, i) => setAnswer(d, i, v))}
            label={`Answer of ${rest.title}`}
            placeholder="Answer"
            tone="answer"
            testId="composer-answer"
          />
        </div>
        <span className="mt-2 shrink-0 rounded bg-stone-800 px-1.5 py-0.5 font-mono text-[11px] text-stone-100" title="closes the demonstration">
          {"<|endofchunk|>"}
        </span>
      </div>
    </ChunkCard>
  );
}
