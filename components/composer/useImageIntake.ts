"use client";

import { useEffect, useRef } from "react";
import { imageFiles } from "./upload";

/** The element's chunk (`data-chunk-key`), if it sits inside one. */
export function chunkKeyAt(target: EventTarget | null): string | null {
  return target instanceof Element ? (target.closest("[data-chunk-key]")?.getAttribute("data-chunk-key") ?? null) : null;
}

/** The element's block (`data-block-id`, the block's key), if it sits inside one. */
export function blockKeyAt(target: EventTarget | null): string | null {
  return target instanceof Element ? (target.closest("[data-block-id]")?.getAttribute("data-block-id") ?? null) : null;
}

/**
 * Images pasted or dropped anywhere on the page: `onImages(files, chunkKey, blockKey)`,
 * where chunkKey is the chunk under the drop or holding focus, else null (the
 * caller picks the default), and blockKey the block there (an image variable's slot, say).
 * Text pastes into fields are left alone.
 */
export function useImageIntake(onImages: (files: File[], chunkKey: string | null, blockKey: string | null) => void, onDragTarget?: (chunkKey: string | null) => void): void {
  const cb = useRef(onImages);
  const hover = useRef(onDragTarget);
  useEffect(() => {
    cb.current = onImages;
    hover.current = onDragTarget;
  }, [onImages, onDragTarget]);
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = imageFiles(e.clipboardData?.files);
      if (files.length === 0) return;
      const field = e.target instanceof HTMLElement && e.target.matches("input, textarea") && !e.target.closest(".monaco-editor");
      if (field && e.clipboardData?.types.includes("text/plain")) return;
      e.preventDefault();
      e.stopPropagation();
      const at = chunkKeyAt(document.activeElement) !== null ? document.activeElement : e.target;
      cb.current(files, chunkKeyAt(at), blockKeyAt(at));
    };
    const onDrop = (e: DragEvent) => {
      hover.current?.(null);
      const files = imageFiles(e.dataTransfer?.files);
      if (files.length === 0) return;
      e.preventDefault();
      e.stopPropagation();
      cb.current(files, chunkKeyAt(e.target), blockKeyAt(e.target));
    };
    const onDragOver = (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes("Files")) return;
      e.preventDefault();
      hover.current?.(chunkKeyAt(e.target));
    };
    const onDragLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) hover.current?.(null);
    };
    // Capture phase: before Monaco's own paste/drop handlers see the event.
    window.addEventListener("paste", onPaste, true);
    window.addEventListener("drop", onDrop, true);
    window.addEventListener("dragover", onDragOver, true);
    window.addEventListener("dragleave", onDragLeave, true);
    return () => {
      window.removeEventListener("paste", onPaste, true);
      window.removeEventListener("drop", onDrop, true);
      window.removeEventListener("dragover", onDragOver, true);
      window.removeEventListener("dragleave", onDragLeave, true);
    };
  }, []);
}
