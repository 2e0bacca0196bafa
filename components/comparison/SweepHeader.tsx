"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { Figures, type Figure } from "@/components/ui/Figures";
import { formatDateTime, hrefWith } from "@/components/ui/format";
import { SELECTION_LABELS } from "@/lib/sweeps/client/chart";
import { formatDuration, isActive } from "@/lib/sweeps/client/format";
import type { SweepDetail } from "@/lib/sweeps/types";
import { cancelSweep, deleteSweep, exportUrl } from "./api";
import { StatusBadge } from "./StatusBadge";

/** Name, status, what was compared (template, dataset, shots, seeds, selections, engines…), and the actions. */
export function SweepHeader({ sweep, onSweep, engineLabel }: { sweep: SweepDetail; onSweep(s: SweepDetail): void; engineLabel(engine: string): string }) {
  const router = useRouter();
  const [busy, setBusy] = useState<"cancel" | "delete" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const c = sweep.config;

  const cancel = async () => {
    setBusy("cancel");
    setError(null);
    try {
      onSweep(await cancelSweep(sweep.id));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete “${sweep.name}” and its ${sweep.doneCells} results?`)) return;
    setBusy("delete");
    setError(null);
    try {
      await deleteSweep(sweep.id);
      router.push("/sweeps");
      router.refresh();
    } catch (e) {
      setError(e);
      setBusy(null);
    }
  };

  const facts: Figure[] = [
    {
      label: "Template",
      value: sweep.templateId ? (
        <Link href={hrefWith(`/templates/${encodeURIComponent(sweep.templateId)}`, { version: c.templateVersion })} className="text-brand-700 hover:underline">
          {sweep.templateName ?? "template"} v{c.templateVersion}
        </Link>
      ) : (
        `deleted (v${c.templateVersion})`
      ),
      testId: "sweep-template",
    },
    {
      label: "Dataset",
      value: (
        <Link href={`/datasets/${encodeURIComponent(sweep.datasetId)}`} className="text-brand-700 hover:underline">
          {sweep.datasetName}
        </Link>
      ),
      testId: "sweep-dataset",
    },
    { label: "Shots", value: c.shots.join(" / "), testId: "sweep-shots" },
    { label: "Selection", value: c.selections.map((s) => SELECTION_LABELS[s]).join(", "), testId: "sweep-selections" },
    { label: "Seeds", value: String(c.seeds), testId: "sweep-seeds" },
    { label: "Queries", value: String(c.queries), testId: "sweep-queries" },
    { label: "Mode", value: c.mode === "rank" ? "Rank candidates" : `Generate (≤ ${c.maxTokens} tokens)`, testId: "sweep-mode" },
    { label: "Backend", value: c.backend === "server" ? "Server" : "Browser", testId: "sweep-backend" },
    ...(c.engines.some((e) => e !== "" && e !== c.model)
      ? [
          { label: c.engines.length === 1 ? "Engine" : "Engines", value: c.engines.map(engineLabel).join(", "), testId: "sweep-engines" },
          // The bundled model still picks RICES demonstrations (its visual features), whatever the engines.
          { label: c.selections.includes("rices") ? "RICES features" : "Bundled model", value: c.model, testId: "sweep-model" },
        ]
      : [{ label: "Model", value: c.engines.length === 1 ? engineLabel(c.engines[0]!) : c.model, testId: "sweep-model" }]),
    { label: "Created", value: formatDateTime(sweep.createdAt), testId: "sweep-created" },
    ...(sweep.createdBy ? [{ label: "Started by", value: sweep.createdBy, testId: "sweep-created-by" }] : []),
    ...(sweep.finishedAt && sweep.startedAt ? [{ label: "Took", value: formatDuration(Date.parse(sweep.finishedAt) - Date.parse(sweep.startedAt)), testId: "sweep-took" }] : []),
  ];

  return (
    <header className="flex flex-col gap-3">
      <nav aria-label="Breadcrumb" className="text-xs text-stone-500">
        <Link href="/sweeps" className="hover:underline">
          Comparisons
        </Link>{" "}
        / <span className="text-stone-700">{sweep.name}</span>
      </nav>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 flex-wrap items-center gap-2">
          <h1 className="text-2xl font-semibold tracking-tight wrap-anywhere" data-testid="sweep-name">
            {sweep.name}
          </h1>
          <StatusBadge status={sweep.status} />
        </div>
        <div className="flex flex-wrap gap-2">
          <a className="btn" href={exportUrl(sweep.id, "csv")} download data-testid="export-csv">
            Export CSV
          </a>
          <a className="btn" href={exportUrl(sweep.id, "json")} download data-testid="export-json">
            Export JSON
          </a>
          {isActive(sweep.status) ? (
            <button type="button" className="btn btn-danger" onClick={cancel} disabled={busy !== null} data-testid="sweep-cancel">
              {busy === "cancel" ? "Cancelling…" : "Cancel"}
            </button>
          ) : null}
          <Link className="btn" href={hrefWith("/sweeps/new", {
              templateId: sweep.templateId ?? undefined,
              datasetId: sweep.datasetId,
              engines: c.backend === "server" && c.engines.some((e) => e !== "") ? c.engines.filter((e) => e !== "").join(",") : undefined,
            })} data-testid="sweep-again">
            New like this
          </Link>
          <button type="button" className="btn btn-danger" onClick={remove} disabled={busy !== null} data-testid="sweep-delete">
            {busy === "delete" ? "Deleting…" : "Delete"}
          </button>
        </div>
      </div>
      <Figures items={facts} tabular={false} />
      {error ? <ErrorNotice error={error} /> : null}
    </header>
  );
}
