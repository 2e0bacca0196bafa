"use client";

import { useId, useState } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { formatDateTime } from "@/components/ui/format";
import type { EngineSummary } from "@/lib/engines/types";
import { deleteEngine, testEngine } from "./api";
import { BrowserCheck } from "./BrowserEngineForm";
import { KIND_LABELS, limitsSummary, PROMPT_STYLES, rankMethodText, SOURCE_LABELS } from "./describe";
import { ProbeResult } from "./ProbeResult";

interface Props {
  engine: EngineSummary;
  onEdit(engine: EngineSummary): void;
  /** Tested: the engine with its new capabilities. */
  onTested(engine: EngineSummary): void;
  onDeleted(engine: EngineSummary): void;
}

/** One registry entry: what it is, where it points, its limits, its last test; test, edit and delete (stored ones). */
export function EngineRow({ engine: e, onEdit, onTested, onDeleted }: Props) {
  const id = useId();
  const [testing, setTesting] = useState(false);
  const [showSteps, setShowSteps] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<{ action: "test" | "delete"; error: unknown } | null>(null);
  const s = e.settings;
  const c = e.capabilities;
  const remote = e.kind === "openai";

  async function test() {
    setTesting(true);
    setError(null);
    try {
      const r = await testEngine(e.id);
      onTested(r.engine.capabilities ? r.engine : { ...r.engine, capabilities: r.capabilities });
      setShowSteps(true);
    } catch (err) {
      setError({ action: "test", error: err });
    } finally {
      setTesting(false);
    }
  }

  async function remove() {
    setDeleting(true);
    setError(null);
    try {
      await deleteEngine(e.id);
      onDeleted(e);
    } catch (err) {
      setError({ action: "delete", error: err });
      setDeleting(false);
    }
  }

  return (
    <li
      className="card flex min-w-0 flex-col gap-3 p-4"
      data-testid="engine-row"
      data-engine-id={e.id}
      data-kind={e.kind}
      data-source={e.source}
      aria-labelledby={`${id}-name`}
      aria-busy={testing || deleting}
    >
      <div className="flex flex-wrap items-start justify-between gap-x-4 gap-y-2">
        <div className="min-w-0">
          <h2 id={`${id}-name`} className="flex flex-wrap items-center gap-x-2 gap-y-1 font-semibold wrap-anywhere">
            <span data-testid="engine-row-name">{e.name}</span>
            <span
              className={`rounded-full px-2 py-0.5 text-xs font-medium ${remote ? "bg-sky-100 text-sky-800" : "bg-brand-100 text-brand-700"}`}
              data-testid="engine-kind"
            >
              {KIND_LABELS[e.kind]}
            </span>
          </h2>
          <p className="text-xs text-stone-500" data-testid="engine-source">
            {SOURCE_LABELS[e.source]}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {remote ? (
            <button type="button" className="btn" onClick={() => void test()} disabled={testing} aria-busy={testing} aria-describedby={`${id}-name`} data-testid="engine-test">
              {testing ? "Testing…" : "Test connection"}
            </button>
          ) : null}
          {!e.readOnly ? (
            <>
              <button type="button" className="btn" onClick={() => onEdit(e)} aria-label={`Edit ${e.name}`} data-testid="engine-edit">
                Edit
              </button>
              <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)} disabled={confirming} aria-label={`Delete ${e.name}`} data-testid="engine-delete">
                Delete
              </button>
            </>
          ) : null}
        </div>
      </div>

      {s ? (
        <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm">
          <dt className="text-xs leading-5 text-stone-500">Model</dt>
          <dd className="min-w-0 font-mono text-xs leading-5 wrap-anywhere" data-testid="engine-row-model">
            {s.model}
          </dd>
          <dt className="text-xs leading-5 text-stone-500">Base URL</dt>
          <dd className="min-w-0 font-mono text-xs leading-5 wrap-anywhere" data-testid="engine-row-base-url">
            {s.baseUrl}
          </dd>
          <dt className="text-xs leading-5 text-stone-500">Prompt</dt>
          <dd className="min-w-0 text-xs leading-5" data-testid="engine-row-style" data-style={s.promptStyle}>
            {PROMPT_STYLES[s.promptStyle].short}
            {s.systemPrompt ? " · with a system prompt" : ""}
          </dd>
          <dt className="text-xs leading-5 text-stone-500">Limits</dt>
          <dd className="min-w-0 text-xs leading-5" data-testid="engine-row-limits">
            {limitsSummary(s)}
          </dd>
          <dt className="text-xs leading-5 text-stone-500">Auth</dt>
          <dd className="min-w-0 text-xs leading-5 wrap-anywhere" data-testid="engine-row-auth" data-has-key={e.hasApiKey ? "true" : "false"}>
            {e.hasApiKey ? "key set" : "no key"}
            {e.headerNames.length > 0 ? ` · headers ${e.headerNames.join(", ")}` : ""}
          </dd>
        </dl>
      ) : e.browser ? (
        <div className="flex min-w-0 flex-col gap-2">
          <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm">
            <dt className="text-xs leading-5 text-stone-500">Model</dt>
            <dd className="min-w-0 font-mono text-xs leading-5 wrap-anywhere" data-testid="engine-row-model">
              {e.browser.model}
            </dd>
            <dt className="text-xs leading-5 text-stone-500">Weights</dt>
            <dd className="min-w-0 font-mono text-xs leading-5 wrap-anywhere" data-testid="engine-row-dtype">
              {typeof e.browser.dtype === "string" ? e.browser.dtype : Object.entries(e.browser.dtype).map(([m, d]) => `${m} ${d}`).join(" · ")}
            </dd>
            <dt className="text-xs leading-5 text-stone-500">Runs on</dt>
            <dd className="min-w-0 text-xs leading-5" data-testid="engine-row-device">
              each user&apos;s browser · {e.browser.device === "auto" ? "WebGPU, else WASM" : e.browser.device === "webgpu" ? "WebGPU" : "WASM"}
            </dd>
            <dt className="text-xs leading-5 text-stone-500">Prompt</dt>
            <dd className="min-w-0 text-xs leading-5" data-testid="engine-row-style" data-style={e.browser.promptStyle}>
              {PROMPT_STYLES[e.browser.promptStyle].short} ·{" "}
              {e.browser.maxImages === null ? "several images per prompt" : `up to ${e.browser.maxImages} ${e.browser.maxImages === 1 ? "image" : "images"} per prompt`} · ranking by{" "}
              {rankMethodText("exact").label}
            </dd>
          </dl>
          <BrowserCheck model={e.browser.model} dtype={e.browser.dtype} />
        </div>
      ) : (
        <p className="text-sm text-stone-600" data-testid="engine-row-local">
          Runs on this server with onnxruntime-node (package <code className="font-mono text-xs">{e.id}</code>): ranking by {rankMethodText("exact").label}, several images
          per prompt.
          {c && !c.ok ? <span className="block text-red-700">Files of the package are missing: it cannot run until they are installed.</span> : null}
        </p>
      )}

      {c && remote ? (
        <div className="flex min-w-0 flex-col gap-2">
          <p className="flex flex-wrap items-baseline gap-x-2 gap-y-1 text-xs" data-testid="engine-last-test" data-ok={c.ok ? "true" : "false"} data-rank-method={c.rankMethod}>
            <span className={`font-medium ${c.ok ? "text-emerald-800" : "text-red-800"}`}>{c.ok ? "✓ Last test passed" : "✗ Last test failed"}</span>
            <span className="text-stone-500">{formatDateTime(c.testedAt)}</span>
            <span className="text-stone-700">multi-image {c.multiImage ? "yes" : "no"}</span>
            <span className="text-stone-700">
              ranking: {rankMethodText(c.rankMethod).label} ({rankMethodText(c.rankMethod).approximate ? "approximate" : "exact"})
            </span>
          </p>
          <details open={showSteps} onToggle={(ev) => setShowSteps(ev.currentTarget.open)} className="min-w-0 text-xs">
            <summary className="cursor-pointer text-stone-600 hover:text-stone-900">{showSteps ? "Hide" : "Show"} the test&apos;s steps</summary>
            <div className="mt-2">
              <ProbeResult capabilities={c} />
            </div>
          </details>
        </div>
      ) : remote ? (
        <p className="text-xs text-stone-500" data-testid="engine-last-test" data-ok="none">
          Not tested yet: test the connection to find out which rank method it supports.
        </p>
      ) : null}

      {testing ? (
        <p className="text-xs text-stone-600" role="status">
          Testing {e.name}…
        </p>
      ) : null}

      {confirming ? (
        <div className="flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" role="alertdialog" aria-label={`Delete ${e.name}`}>
          <span className="min-w-0 wrap-anywhere">Delete “{e.name}”? Its key and headers go with it.</span>
          <span className="flex gap-2">
            <button type="button" className="btn btn-danger" disabled={deleting} onClick={() => void remove()} autoFocus data-testid="engine-delete-confirm">
              {deleting ? "Deleting…" : "Delete"}
            </button>
            <button type="button" className="btn" onClick={() => setConfirming(false)} disabled={deleting} data-testid="engine-delete-cancel">
              Cancel
            </button>
          </span>
        </div>
      ) : null}

      {error ? (
        <div data-testid="engine-error" data-field={error.action}>
          <ErrorNotice error={error.error} title={error.action === "test" ? "The test could not run" : "The engine was not deleted"} />
        </div>
      ) : null}
    </li>
  );
}
