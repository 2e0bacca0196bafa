"use client";

import { useEffect, useRef } from "react";

/** A ref for a `<dialog>` shown modally (Esc closes, focus returns) while `open`, closed otherwise. */
export function useModalDialog(open: boolean) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return ref;
}
