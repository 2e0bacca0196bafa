"use client";

/**
 * The engine registry (/api/engines) for the run choices: fetched once per page and shared by
 * every Run panel and notebook cell on it (one request however many mount at once). A failure is
 * kept to be shown; the built-in choices work without the list. Fresh for a minute: a later mount
 * (another page of the app) fetches again, and `reloadEngines()` forces it (after an engine is
 * added or changed).
 */
import { useCallback, useEffect, useSyncExternalStore } from "react";
import { apiFetch } from "@/lib/api-client";
import type { EngineSummary } from "@/lib/engines/types";

export interface EnginesSnapshot {
  /** null until the first answer. */
  engines: EngineSummary[] | null;
  /** The last fetch's failure (cleared by a success). */
  error: unknown;
  loading: boolean;
}

const FRESH_MS = 60_000;
const INITIAL: EnginesSnapshot = { engines: null, error: null, loading: false };

let snapshot: EnginesSnapshot = INITIAL;
let fetchedAt = 0;
let inflight: Promise<void> | null = null;
const listeners = new Set<() => void>();

function publish(next: EnginesSnapshot): void {
  snapshot = next;
  for (const l of listeners) l();
}

/** Fetch the list unless a fresh one is held (or a fetch is under way). */
export function loadEngines(force = false): Promise<void> {
  if (inflight) return inflight;
  if (!force && snapshot.engines && Date.now() - fetchedAt < FRESH_MS) return Promise.resolve();
  publish({ ...snapshot, loading: true });
  inflight = apiFetch<{ engines: EngineSummary[] }>("/api/engines", { cache: "no-store" })
    .then((r) => {
      fetchedAt = Date.now();
      publish({ engines: Array.isArray(r.engines) ? r.engines : [], error: null, loading: false });
    })
    .catch((error: unknown) => publish({ engines: snapshot.engines, error, loading: false }))
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

/** Refetch now (the engines page calls it after a change). */
export const reloadEngines = () => loadEngines(true);

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
};

/** The registry's engines as this page knows them, loading them on first use. */
export function useEngines(): EnginesSnapshot & { reload(): void } {
  const s = useSyncExternalStore(
    subscribe,
    () => snapshot,
    () => INITIAL,
  );
  useEffect(() => {
    void loadEngines();
  }, []);
  const reload = useCallback(() => void loadEngines(true), []);
  return { ...s, reload };
}
