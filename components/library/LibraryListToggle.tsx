"use client";

import { useId, useState, type ReactNode } from "react";

/**
 * The library list's place in the sidebar: always shown on wide screens; on narrow ones (a phone)
 * folded behind a "Libraries" button that says how many there are and which one is open.
 */
export function LibraryListToggle({ count, current, children }: { count: number; current?: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <>
      <button
        type="button"
        className="btn flex w-full items-center justify-between gap-2 lg:hidden"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((o) => !o)}
        data-testid="library-list-toggle"
      >
        <span className="min-w-0 truncate">
          Libraries ({count}){current ? ` · ${current}` : ""}
        </span>
        <span aria-hidden className={`shrink-0 transition-transform ${open ? "rotate-180" : ""}`}>
          ▾
        </span>
      </button>
      <div id={id} className={`${open ? "flex" : "hidden"} flex-col gap-3 max-lg:rounded-md max-lg:border max-lg:border-stone-200 max-lg:p-1 lg:flex`}>
        {children}
      </div>
    </>
  );
}
