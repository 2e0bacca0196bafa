"use client";

import { useSortable } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import type { KeyboardEvent, Ref } from "react";
import { GripIcon } from "@/components/composer/icons";
import type { Cell, CellPrompt as Prompt, RunParams } from "@/lib/notebook/schema";
import type { Template } from "@/lib/prompt/schema";
import type { CellRunDetail, TemplateSummary } from "@/lib/store/types";
import { CellPrompt } from "./CellPrompt";
import { CellRunner, type CellRunnerHandle, type FinishedCellRun } from "./CellRunner";
import type { ResolvedTemplate } from "./useTemplateDocs";

interface Props {
  cell: Cell;
  index: number;
  count: number;
  templates: TemplateSummary[];
  resolved?: ResolvedTemplate;
  runs: CellRunDetail[];
  editing: boolean;
  /** This cell is the one "Run all" is running. */
  current: boolean;
  onEditing(open: boolean): void;
  onTitle(title: string): void;
  onPrompt(p: Prompt): void;
  onParams(p: RunParams): void;
  onMove(to: number): void;
  onDuplicate(): void;
  onRemove(): void;
  onFinished(run: FinishedCellRun): Promise<CellRunDetail>;
  handle: Ref<CellRunnerHandle>;
  runNow(): void;
}

export const cellLabel = (cell: Cell, index: number) => `Cell ${index + 1}${cell.title ? ` (${cell.title})` : ""}`;

/** One notebook cell: sortable by its handle (mouse or keyboard), titled, with its prompt and its runs. */
export function CellCard(props: Props) {
  const { cell, index, count, resolved } = props;
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: cell.id });
  const template: Template | null = cell.prompt.kind === "inline" ? cell.prompt.template : resolved?.status === "ready" ? resolved.template : null;
  const label = cellLabel(cell, index);

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      props.runNow();
    }
  };

  return (
    <li
      ref={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      className={`card relative flex flex-col gap-3 p-3 sm:p-4 ${isDragging ? "z-10 shadow-lg ring-2 ring-brand-500" : ""} ${props.current ? "ring-2 ring-brand-200" : ""}`}
      onKeyDown={onKeyDown}
      aria-label={label}
      data-testid="notebook-cell"
      data-cell-id={cell.id}
    >
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="button"
          ref={setActivatorNodeRef}
          {...attributes}
          {...listeners}
          aria-label={`Move ${label} (${index + 1} of ${count})`}
          className="inline-flex size-7 cursor-grab touch-none items-center justify-center rounded-md text-stone-500 hover:bg-stone-100 hover:text-stone-900 active:cursor-grabbing"
          data-testid="cell-handle"
        >
          <GripIcon />
        </button>
        <span className="rounded bg-stone-100 px-1.5 py-0.5 font-mono text-xs text-stone-600" aria-hidden>
          [{index + 1}]
        </span>
        <input
          className="min-w-0 flex-[1_1_12rem] rounded-md border border-transparent bg-transparent px-1.5 py-1 text-sm font-semibold text-stone-900 placeholder:font-normal placeholder:text-stone-400 hover:border-stone-200 focus-visible:border-brand-600"
          value={cell.title}
          placeholder={cell.prompt.kind === "template" ? resolved?.status === "ready" ? resolved.name : "Untitled cell" : cell.prompt.template.name}
          maxLength={200}
          onChange={(e) => props.onTitle(e.target.value)}
          aria-label={`Title of cell ${index + 1}`}
          data-testid="cell-title"
        />
        {/* Phones: the actions wrap under the title, at the right. */}
        <div className="ml-auto flex items-center gap-1">
          <button type="button" className="btn px-2 py-0.5 text-xs" onClick={() => props.onMove(index - 1)} disabled={index === 0} aria-label={`Move ${label} up`} data-testid="cell-up">
            ↑
          </button>
          <button type="button" className="btn px-2 py-0.5 text-xs" onClick={() => props.onMove(index + 1)} disabled={index === count - 1} aria-label={`Move ${label} down`} data-testid="cell-down">
            ↓
          </button>
          <button type="button" className="btn px-2 py-0.5 text-xs" onClick={props.onDuplicate} aria-label={`Duplicate ${label}`} data-testid="cell-duplicate">
            Duplicate
          </button>
          <button type="button" className="btn btn-danger px-2 py-0.5 text-xs" onClick={props.onRemove} aria-label={`Remove ${label}`} data-testid="cell-remove">
            Remove
          </button>
        </div>
      </div>
      <CellPrompt prompt={cell.prompt} templates={props.templates} resolved={resolved} onChange={props.onPrompt} editing={props.editing} onEditing={props.onEditing} />
      <CellRunner
        cell={cell}
        template={template}
        runs={props.runs}
        onParams={props.onParams}
        onBindings={(bindings) => props.onPrompt({ ...cell.prompt, bindings })}
        onFinished={props.onFinished}
        handle={props.handle}
      />
    </li>
  );
}
