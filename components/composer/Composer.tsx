"use client";

import { DndContext, closestCenter, type DragEndEvent } from "@dnd-kit/core";
import { SortableContext, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { useCallback, useEffect, useId, useRef, useState, type ChangeEvent } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { Bindings } from "@/lib/prompt/render";
import type { ImageSource } from "@/lib/prompt/schema";
import {
  PREAMBLE,
  QUERY,
  addShot,
  addTextBlock,
  blockKey,
  blocksOf,
  chunkByKey,
  imageVariableSlot,
  insertImage,
  moveShot,
  replaceImage,
  shotKey,
  type Doc,
} from "./document-ops";
import { AssetPicker } from "./AssetPicker";
import { ChunkCard, type ChunkActions, type Edit } from "./ChunkCard";
import { DetailsPanel } from "./DetailsPanel";
import { announcements, screenReaderInstructions, useSortSensors } from "./dnd";
import { PromptStats } from "./PromptStats";
import { ShotCard } from "./ShotCard";
import { IMAGE_ACCEPT, uploadImage } from "./upload";
import { useImageIntake } from "./useImageIntake";
import { VariablesPanel } from "./VariablesPanel";

interface Props {
  doc: Doc;
  edit: Edit;
  /** Show name, tags and description unfolded (a new template). */
  detailsOpen?: boolean;
  /** Step through the document's history (shared with the source editor). */
  onUndo?(): void;
  onRedo?(): void;
  /**
   * What the image variables are bound to for running (the Run panel's bindings). With `onBindImage`,
   * an image uploaded, dropped or pasted into a chunk with an image variable's slot fills that
   * variable (the slot shows it) instead of being added beside it.
   */
  bindings?: Bindings;
  onBindImage?(name: string, assetId: string): void;
}

/**
 * Where a new image goes: a chunk, and optionally the image block it replaces, or the block it was
 * dropped on (`atKey`: a variable's slot there is filled); `add`: added even beside a slot.
 */
type Target = { chunkKey: string; replaceKey?: string; atKey?: string | null; add?: boolean };

/** Put an image into the chunk named by the target (looked up again: shots may have moved meanwhile). */
function placeImage(d: Doc, target: Target, source: ImageSource): Doc {
  const chunk = chunkByKey(d, target.chunkKey) ?? QUERY;
  if (target.replaceKey) {
    const i = blocksOf(d, chunk).findIndex((b, idx) => blockKey(target.chunkKey, b, idx) === target.replaceKey);
    if (i >= 0) return replaceImage(d, chunk, i, source);
  }
  return insertImage(d, chunk, source);
}

function openFileDialog(inputId: string) {
  (document.getElementById(inputId) as HTMLInputElement | null)?.click();
}

/** The visual composer: preamble, sortable shots, the query; images by upload, drop, paste or the library. */
export function Composer({ doc, edit, detailsOpen = false, onUndo, onRedo, bindings, onBindImage }: Props) {
  const dndId = useId();
  const sensors = useSortSensors();
  const fileInputId = useId();
  const [uploadTarget, setUploadTarget] = useState<Target>({ chunkKey: "query" });
  const [picker, setPicker] = useState<Target | null>(null);
  const [pending, setPending] = useState<Record<string, number>>({});
  const [dropKey, setDropKey] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const shots = doc.shots ?? [];
  const keys = shots.map(shotKey);
  // The document and bindings when an upload finishes (it may have changed meanwhile).
  const latest = useRef({ doc, bindings, onBindImage });
  useEffect(() => {
    latest.current = { doc, bindings, onBindImage };
  });

  const receive = useCallback(
    async (files: File[], target: Target) => {
      setError(null);
      for (const file of files) {
        setPending((p) => ({ ...p, [target.chunkKey]: (p[target.chunkKey] ?? 0) + 1 }));
        try {
          const asset = await uploadImage(file);
          const { doc: d, bindings: b, onBindImage: bind } = latest.current;
          const slot = bind && !target.replaceKey && !target.add ? imageVariableSlot(d, target.chunkKey, target.atKey, (name) => typeof b?.[name] === "object") : null;
          if (slot && bind) bind(slot, asset.id);
          else edit((x) => placeImage(x, target, { kind: "asset", assetId: asset.id }));
        } catch (e) {
          setError(e);
        } finally {
          setPending((p) => ({ ...p, [target.chunkKey]: (p[target.chunkKey] ?? 1) - 1 }));
        }
      }
    },
    [edit],
  );

  useImageIntake(
    useCallback((files: File[], chunkKey: string | null, blockKey: string | null) => void receive(files, { chunkKey: chunkKey ?? "query", atKey: blockKey }), [receive]),
    setDropKey,
  );

  const actions: ChunkActions = {
    edit,
    upload(chunkKey, atKey) {
      setUploadTarget({ chunkKey, atKey: atKey ?? null });
      openFileDialog(fileInputId);
    },
    pick(chunkKey, replaceKey) {
      setPicker({ chunkKey, replaceKey });
    },
    addText(chunkKey) {
      edit((d) => addTextBlock(d, chunkByKey(d, chunkKey) ?? QUERY));
    },
  };

  function onFiles(e: ChangeEvent<HTMLInputElement>) {
    const files = [...(e.currentTarget.files ?? [])];
    e.currentTarget.value = "";
    void receive(files, uploadTarget);
  }

  function onShotDragEnd({ active, over }: DragEndEvent) {
    if (!over || active.id === over.id) return;
    const from = keys.indexOf(String(active.id));
    const to = keys.indexOf(String(over.id));
    if (from >= 0 && to >= 0) edit((d) => moveShot(d, from, to));
  }

  const common = (chunkKey: string) => ({ doc, chunkKey, actions, pending: pending[chunkKey] ?? 0, dropping: dropKey === chunkKey, ...(onBindImage ? { bindings: bindings ?? {} } : {}) });
  const preamble = doc.preamble ?? [];
  const imageVariables = (doc.variables ?? []).filter((v) => v.kind === "image").map((v) => v.name);

  return (
    <div
      className="flex flex-col gap-3"
      data-testid="composer"
      onKeyDown={(e) => {
        // Ctrl/⌘+Z outside text fields undoes composer edits (inside them, the field's own undo).
        if (!(e.ctrlKey || e.metaKey) || (e.target instanceof HTMLElement && e.target.matches("input, textarea, select"))) return;
        const key = e.key.toLowerCase();
        if (key === "z" && !e.shiftKey && onUndo) onUndo();
        else if (((key === "z" && e.shiftKey) || key === "y") && onRedo) onRedo();
        else return;
        e.preventDefault();
      }}
    >
      <PromptStats doc={doc} onUndo={onUndo} onRedo={onRedo} />
      <DetailsPanel doc={doc} edit={edit} defaultOpen={detailsOpen} />
      <VariablesPanel doc={doc} edit={edit} />
      <ErrorNotice error={error} title="Image not added" />

      <ol className="flex flex-col gap-3" aria-label="Prompt chunks">
        {preamble.length > 0 ? (
          <li>
            <ChunkCard {...common("preamble")} chunk={PREAMBLE} title="Preamble" tone="preamble" />
          </li>
        ) : (
          <li>
            <button type="button" className="text-xs text-brand-700 hover:underline" onClick={() => edit((d) => addTextBlock(d, PREAMBLE, "Instruction: "))} data-testid="add-preamble">
              + Add a preamble (an instruction before the first shot)
            </button>
          </li>
        )}
        <DndContext
          id={dndId}
          sensors={sensors}
          collisionDetection={closestCenter}
          onDragEnd={onShotDragEnd}
          accessibility={{ announcements: announcements((id) => `Shot ${keys.indexOf(String(id)) + 1}`), screenReaderInstructions }}
        >
          <SortableContext items={keys} strategy={verticalListSortingStrategy}>
            {shots.map((s, i) => (
              <li key={keys[i]} data-testid="composer-shot-item">
                <ShotCard {...common(keys[i]!)} index={i} count={shots.length} title={`Shot ${i + 1}`} />
              </li>
            ))}
          </SortableContext>
        </DndContext>
        <li>
          <div className="flex flex-wrap gap-2">
            <button type="button" className="btn flex-1 border-dashed" onClick={() => edit((d) => addShot(d))} data-testid="add-shot">
              + Add shot
            </button>
          </div>
        </li>
        <li>
          <ChunkCard {...common("query")} chunk={QUERY} title={shots.length === 0 ? "Query (zero-shot)" : "Query"} tone="query">
            <p className="self-center text-xs italic text-brand-700">the model continues here…</p>
          </ChunkCard>
        </li>
      </ol>

      <input id={fileInputId} type="file" accept={IMAGE_ACCEPT} multiple className="sr-only" tabIndex={-1} aria-hidden onChange={onFiles} data-testid="composer-upload-input" />
      <AssetPicker
        open={picker !== null}
        title={picker?.replaceKey ? "Replace the image" : "Add an image from the libraries"}
        imageVariables={imageVariables}
        onPick={(source) => {
          const target = picker;
          setPicker(null);
          if (target) edit((d) => placeImage(d, target, source));
        }}
        onUpload={() => {
          const target = picker;
          setPicker(null);
          if (target) {
            // "Add an image" adds it, even beside a variable's slot; "Replace" replaces the block.
            setUploadTarget({ ...target, add: !target.replaceKey });
            openFileDialog(fileInputId);
          }
        }}
        onClose={() => setPicker(null)}
      />
    </div>
  );
}
