"use client";

import { useEffect, useRef } from "react";

/** Call `onImage` for an image pasted anywhere on the page (text pastes are left alone). */
export function useImagePaste(onImage: (file: File) => void): void {
  const cb = useRef(onImage);
  useEffect(() => {
    cb.current = onImage;
  }, [onImage]);
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith("image/"));
      if (files.length === 0) return;
      e.preventDefault();
      e.stopPropagation();
      for (const f of files) cb.current(f);
    };
    // Capture phase: before Monaco's own paste handler sees the event.
    window.addEventListener("paste", onPaste, true);
    return () => window.removeEventListener("paste", onPaste, true);
  }, []);
}
