"use client";

import { Figures } from "@/components/ui/Figures";
import { RankChart } from "@/components/run/RankChart";
import { RankMethodLine, RunInspector } from "@/components/run/RunInspector";
import { EmptyOutputNote } from "@/components/run/RunPanel";
import { emptyOutputReason, engineLabel, formatMs, rankMethodInfo, shotsIn } from "@/components/run/options";
import { useEngines } from "@/components/run/useEngines";
import type { CellRunRecord } from "@/lib/notebook/run-record";
import { formatDateTime } from "@/components/ui/format";
import { serializePrompt } from "@/lib/prompt/sequence";
import type { CellRunDetail } from "@/lib/store/types";
import { paramsSummary, ranOn, savedScoreRows } from "./run-params";

/** A saved run: its output and what produced it (where, which engine and model, parameters, timings; a remote run's exchange). */
export function SavedRun({ run, compact = false }: { run: CellRunDetail; compact?: boolean }) {
  const t = run.timings;
  // Runs saved since engines carry these in their output (runs saved before have none).
  const out = run.output as CellRunRecord["output"];
  const engineId = out.engine ?? run.params.engine;
  const { engines } = useEngines();
  const known = engineId ? engines?.find((e) => e.id === engineId) : undefined;
  const paramsEngine = run.params.engine ? engines?.find((e) => e.id === run.params.engine) : undefined;
  return (
    <div className="flex flex-col gap-2" data-testid="saved-run" data-run-id={run.id}>
      {run.output.mode === "generate" ? (
        <>
          <output className="min-h-9 rounded-md border border-stone-200 bg-stone-50 px-3 py-1.5 font-mono text-sm whitespace-pre-wrap wrap-anywhere" aria-label="Saved answer" data-testid="saved-run-text">
            {run.output.text}
          </output>
          {compact ? null : (
            <EmptyOutputNote
              reason={emptyOutputReason({ text: run.output.text, finishReason: run.output.finishReason ?? "unknown", completionTokens: t.tokens ?? 0, shots: shotsIn(run.prompt), remote: run.backend === "remote" })}
            />
          )}
        </>
      ) : compact ? (
        <p className="font-mono text-sm" data-testid="saved-run-text">
          {savedScoreRows(run.output.scores).find((r) => r.best)?.candidate}
        </p>
      ) : (
        <>
          <RankMethodLine info={rankMethodInfo(out.mode === "rank" ? out.method : undefined, out.mode === "rank" ? out.approximate : undefined, out.mode === "rank" ? out.note : undefined)} />
          <RankChart rows={savedScoreRows(run.output.scores)} />
        </>
      )}
      <Figures
        items={[
          { label: "ran on", value: ranOn(run.backend, run.provider, { ...(engineId ? { engine: known?.name ?? engineId } : {}), model: run.model }), testId: "saved-run-provider" },
          { label: "model", value: run.model, testId: "saved-run-model" },
          ...(engineId && run.backend !== "browser-webgpu" && run.backend !== "browser-wasm" ? [{ label: "engine", value: engineId, testId: "saved-run-engine" }] : []),
          ...(out.latencyMs !== undefined ? [{ label: "latency", value: formatMs(out.latencyMs), testId: "saved-run-latency" }] : []),
          ...(t.ttftMs !== undefined ? [{ label: "first token", value: formatMs(t.ttftMs), testId: "saved-run-ttft" }] : []),
          ...(t.tokensPerSecond !== undefined && t.tokensPerSecond > 0 ? [{ label: "tokens/s", value: t.tokensPerSecond.toFixed(1), testId: "saved-run-tps" }] : []),
          ...(t.tokens !== undefined ? [{ label: "tokens", value: String(t.tokens), testId: "saved-run-tokens" }] : []),
          { label: "total", value: formatMs(t.totalMs), testId: "saved-run-total" },
          { label: "notebook", value: `v${run.version}`, testId: "saved-run-version" },
          { label: "at", value: formatDateTime(run.createdAt), testId: "saved-run-at" },
          ...(run.createdBy ? [{ label: "by", value: run.createdBy, testId: "saved-run-by" }] : []),
        ]}
      />
      {compact ? null : <RunInspector exchange={out.exchange} {...(out.latencyMs !== undefined ? { latencyMs: out.latencyMs } : {})} {...(out.usage ? { usage: out.usage } : {})} />}
      {compact ? null : (
        <details className="text-xs text-stone-600">
          <summary className="cursor-pointer select-none hover:text-stone-900">Parameters and prompt</summary>
          <p className="mt-1">{paramsSummary(run.params, paramsEngine ? engineLabel(paramsEngine) : undefined)}</p>
          <pre className="mt-1 max-h-40 overflow-auto rounded bg-stone-50 p-2 font-mono whitespace-pre-wrap wrap-anywhere" data-testid="saved-run-prompt">
            {serializePrompt(run.prompt)}
          </pre>
        </details>
      )}
    </div>
  );
}

/** Earlier runs of a cell, newest first, folded away. */
export function RunHistory({ runs }: { runs: CellRunDetail[] }) {
  if (runs.length === 0) return null;
  return (
    <details className="group rounded-md border border-stone-200" data-testid="run-history">
      <summary className="flex cursor-pointer list-none items-center justify-between px-3 py-1.5 text-xs font-medium text-stone-600 hover:bg-stone-50">
        <span>
          Earlier runs ({runs.length})
        </span>
        <span className="group-open:hidden">show</span>
        <span className="hidden group-open:inline">hide</span>
      </summary>
      <ol className="flex flex-col divide-y divide-stone-100 border-t border-stone-200">
        {runs.map((r) => (
          <li key={r.id} className="px-3 py-2">
            <SavedRun run={r} compact />
          </li>
        ))}
      </ol>
    </details>
  );
}
