"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "@/lib/api-client";
import { isActive } from "@/lib/sweeps/client/format";
import type { SweepCellResult, SweepCurvePoint, SweepDetail } from "@/lib/sweeps/types";
import { getCurve, getResults, getSweep } from "./api";

/** Poll the sweep while it runs; results and the curve are refetched when cells finish, at most every RESULTS_EVERY_MS. */
const POLL_MS = 1000;
const RESULTS_EVERY_MS = 2500;

export interface SweepData {
  detail: SweepDetail;
  results: SweepCellResult[];
  curve: SweepCurvePoint[];
  /** Results and curve have been read at least once. */
  loaded: boolean;
  error: unknown;
}

export function useSweepData(initial: SweepDetail) {
  const [data, setData] = useState<SweepData>({ detail: initial, results: [], curve: [], loaded: false, error: null });
  const fetched = useRef<{ doneCells: number; status: string; at: number } | null>(null);
  /** Bumped by refresh(): restarts the poll loop (it stops once the sweep is settled). */
  const [generation, setGeneration] = useState(0);
  const id = initial.id;

  const refreshResults = useCallback(
    async (detail: SweepDetail, signal?: AbortSignal) => {
      const at = Date.now();
      const [results, curve] = await Promise.all([getResults(id, signal), getCurve(id, signal)]);
      // Recorded only once read: an aborted read is retried by the next tick.
      fetched.current = { doneCells: detail.doneCells, status: detail.status, at };
      setData((d) => ({ ...d, results, curve, loaded: true, error: null }));
    },
    [id],
  );

  /** A newer detail (from a poll, a post of browser results, or cancel). */
  const setDetail = useCallback((detail: SweepDetail) => setData((d) => ({ ...d, detail })), []);

  /** Read everything again and poll while the sweep runs (after "Retry failed cells" queued a settled sweep again). */
  const refresh = useCallback(() => {
    fetched.current = null;
    setGeneration((g) => g + 1);
  }, []);

  useEffect(() => {
    const ac = new AbortController();
    let timer: number | undefined;
    const tick = async () => {
      try {
        const detail = await getSweep(id, ac.signal);
        // A successful read also clears a notice left by a failed one (e.g. while the server restarted).
        setData((d) => ({ ...d, detail, error: null }));
        const last = fetched.current;
        const changed = !last || last.doneCells !== detail.doneCells || last.status !== detail.status;
        const settled = !isActive(detail.status);
        if (changed && (settled || !last || Date.now() - last.at >= RESULTS_EVERY_MS)) await refreshResults(detail, ac.signal);
        if (!settled && !ac.signal.aborted) timer = window.setTimeout(tick, POLL_MS);
      } catch (error) {
        if (ac.signal.aborted) return;
        setData((d) => ({ ...d, error }));
        // A transient failure (server restarting): keep trying, more slowly; a deleted sweep: stop.
        if (!(error instanceof ApiError && error.status === 404)) timer = window.setTimeout(tick, POLL_MS * 3);
      }
    };
    void tick();
    return () => {
      ac.abort();
      window.clearTimeout(timer);
    };
    // One loop per sweep (and per refresh): it stops by itself once the sweep is settled (done, failed, cancelled).
  }, [id, refreshResults, generation]);

  return { ...data, setDetail, refresh };
}
