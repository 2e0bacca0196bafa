"use client";

import { useEffect, useMemo, useState } from "react";
import { namesOf, type EngineNames } from "@/lib/sweeps/client/engines";
import type { EngineSummary } from "@/lib/engines/types";
import { listEngines } from "./api";

export interface EnginesState {
  /** null while loading (or when not wanted). */
  engines: EngineSummary[] | null;
  names: EngineNames;
  error: unknown;
}

/** The engine registry (GET /api/engines), read once when `wanted`; names fall back to ids while it loads or when it fails. */
export function useEngines(wanted = true): EnginesState {
  const [state, setState] = useState<{ engines: EngineSummary[] | null; error: unknown }>({ engines: null, error: null });
  useEffect(() => {
    if (!wanted) return;
    const ac = new AbortController();
    listEngines(ac.signal).then(
      (engines) => setState({ engines, error: null }),
      (error: unknown) => {
        if (!ac.signal.aborted) setState({ engines: null, error });
      },
    );
    return () => ac.abort();
  }, [wanted]);
  const names = useMemo(() => namesOf(state.engines ?? []), [state.engines]);
  return { ...state, names };
}
