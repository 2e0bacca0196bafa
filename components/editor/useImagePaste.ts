"use client";

import { useEffect, useRef } from "react";

const imagesOf = (list: FileList | null | undefined): File[] => [...(list ?? [])].filter((f) => f.type.startsWith("image/"));

/**
 * Call `onImage` for an image pasted or dropped anywhere on the page; text
 * pastes and drops are left to whoever handles them (Monaco, inputs).
 */
export function useImagePaste(onImage: (file: File) => void): void {
  const cb = useRef(onImage);
  useEffect(() => {
    cb.current = onImage;
  }, [onImage]);
  useEffect(() => {
    const take = (e: Event, files: File[]) => {
      if (files.length === 0) return;
      e.preventDefault();
      e.stopPropagation();
      for (const f of files) cb.current(f);
    };
    const onPaste = (e: ClipboardEvent) => take(e, imagesOf(e.clipboardData?.files));
    const onDrop = (e: DragEvent) => take(e, imagesOf(e.dataTransfer?.files));
    const onDragOver = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
    };
    // Capture phase: before Monaco's own paste/drop handlers see the event.
    window.addEventListener("paste", onPaste, true);
    window.addEventListener("drop", onDrop, true);
    window.addEventListener("dragover", onDragOver, true);
    return () => {
      window.removeEventListener("paste", onPaste, true);
      window.removeEventListener("drop", onDrop, true);
      window.removeEventListener("dragover", onDragOver, true);
    };
  }, []);
}
