"use client";

import { useEffect, useState } from "react";
import { overlayOptionLabel } from "@/lib/sweeps/client/labels";
import type { SweepSummary } from "@/lib/sweeps/types";
import { listSweeps } from "./api";

/** Choose another sweep of the same dataset to draw beside this one (dashed lines). */
export function OverlayPicker({
  sweepId,
  datasetId,
  templateName,
  value,
  onChange,
}: {
  sweepId: string;
  datasetId: string;
  /** This sweep's template: options name theirs only when it differs. */
  templateName: string | null;
  value: string | undefined;
  onChange(id: string | undefined): void;
}) {
  const [options, setOptions] = useState<SweepSummary[] | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const ac = new AbortController();
    listSweeps({ datasetId }, ac.signal).then(
      (all) => setOptions(all.filter((s) => s.id !== sweepId)),
      () => !ac.signal.aborted && setFailed(true),
    );
    return () => ac.abort();
  }, [sweepId, datasetId]);

  const none = options !== null && options.length === 0;
  return (
    <label className="flex w-full min-w-0 flex-col text-xs sm:w-auto">
      <span className="label">Compare with</span>
      <select
        className="input max-w-full py-1 text-xs sm:w-[26rem]"
        value={value ?? ""}
        onChange={(e) => onChange(e.target.value || undefined)}
        disabled={options === null || none}
        data-testid="overlay-select"
        aria-describedby={none || failed ? "overlay-hint" : undefined}
      >
        <option value="">{options === null ? (failed ? "Could not list sweeps" : "Loading…") : none ? "No other sweep of this dataset" : "Nothing (this sweep only)"}</option>
        {(options ?? []).map((s) => (
          <option key={s.id} value={s.id} title={s.name}>
            {overlayOptionLabel(s, { templateName })}
          </option>
        ))}
      </select>
      {none ? (
        <span id="overlay-hint" className="mt-1 text-stone-500">
          Run another sweep of this dataset (another template or model) to overlay it.
        </span>
      ) : null}
    </label>
  );
}
