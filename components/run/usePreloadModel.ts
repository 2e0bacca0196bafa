"use client";

import { useEffect, useState } from "react";
import { loadBrowserModel, type LoadProgress } from "@/lib/backends/browser/ui-backends";
import type { BackendChoice } from "./options";

export interface PreloadState {
  /** A background load is under way (shown before Run is pressed). */
  loading: boolean;
  progress?: LoadProgress;
}

/**
 * Start loading the browser model as soon as the page is idle after a Run panel mounts with a
 * browser backend, so that pressing Run finds it ready (or part-way). The load is the page's one
 * shared load (backend.ts): a run started meanwhile waits for it and sees its progress. Skipped for
 * the server, and when the user asked the browser to save data. A failure is left to the run,
 * which loads again and shows the error.
 */
export function usePreloadModel(backend: BackendChoice): PreloadState {
  const [state, setState] = useState<PreloadState>({ loading: false });
  useEffect(() => {
    if (backend === "server") return;
    if ((navigator as Navigator & { connection?: { saveData?: boolean } }).connection?.saveData) return;
    let live = true;
    const start = () => {
      if (!live) return;
      setState({ loading: true });
      loadBrowserModel(backend, (progress) => live && setState({ loading: true, progress })).then(
        () => live && setState({ loading: false }),
        () => live && setState({ loading: false }),
      );
    };
    // Idle first: the page's own scripts and first paint go before the model (at most 1 s later).
    const idle = typeof requestIdleCallback === "function" ? requestIdleCallback(start, { timeout: 1000 }) : undefined;
    const timer = idle === undefined ? setTimeout(start, 200) : undefined;
    return () => {
      live = false;
      if (idle !== undefined) cancelIdleCallback(idle);
      if (timer !== undefined) clearTimeout(timer);
      setState({ loading: false });
    };
  }, [backend]);
  return state;
}
