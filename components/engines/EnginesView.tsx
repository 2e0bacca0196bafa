"use client";

import { useId, useState } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { useModalDialog } from "@/components/ui/useModalDialog";
import type { EngineSummary } from "@/lib/engines/types";
import { listEngines } from "./api";
import { BrowserModels } from "./BrowserModels";
import { EngineForm } from "./EngineForm";
import { EngineRow } from "./EngineRow";

/** The engine replaced in place (by id), or added at the end. */
function upsert(list: EngineSummary[], engine: EngineSummary): EngineSummary[] {
  return list.some((x) => x.id === engine.id) ? list.map((x) => (x.id === engine.id ? engine : x)) : [...list, engine];
}

/**
 * The engine registry: every engine a prompt can run on (bundled, declared by the deployment,
 * added here), with "Add engine" and, per row, test / edit / delete. The server page gives the
 * first list; after every change it is fetched again from GET /api/engines (the server orders it).
 */
export function EnginesView({ initial }: { initial: EngineSummary[] }) {
  const titleId = useId();
  const [engines, setEngines] = useState<EngineSummary[]>(initial);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [editing, setEditing] = useState<{ engine: EngineSummary | null } | null>(null);
  const [notice, setNotice] = useState("");
  const dialog = useModalDialog(editing !== null);

  function reload() {
    setLoadError(null);
    listEngines().then(setEngines, setLoadError);
  }

  const saved = (engine: EngineSummary) => {
    setEngines((list) => upsert(list, engine));
    setNotice(editing?.engine ? `Saved “${engine.name}”.` : `Added “${engine.name}”.`);
    setEditing(null);
    reload();
  };

  const addedCount = engines.filter((e) => e.kind === "openai" || e.kind === "transformersjs").length;

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight">Engines</h1>
          <p className="text-sm text-stone-600">
            Where prompts run: the bundled model on this server, a remote OpenAI-compatible endpoint (vLLM, llama.cpp&apos;s llama-server, Ollama, TGI, a hosted
            API) serving a vision-language model, or a transformers.js model that each user&apos;s browser downloads and runs. Test one to learn how it can rank
            answers, then pick it wherever a prompt runs.
          </p>
        </div>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => {
            setNotice("");
            setEditing({ engine: null });
          }}
          data-testid="engine-add"
        >
          Add engine
        </button>
      </div>

      <p className="sr-only" role="status" aria-live="polite">
        {notice}
      </p>

      {loadError ? (
        <div className="flex flex-col items-start gap-2" data-testid="engine-error" data-field="list">
          <ErrorNotice error={loadError} title="The list could not be refreshed" />
          <button type="button" className="btn" onClick={reload}>
            Try again
          </button>
        </div>
      ) : null}

      <ul className="flex flex-col gap-3" data-testid="engine-list">
        {engines.map((e) => (
          <EngineRow
            key={e.id}
            engine={e}
            onEdit={(engine) => {
              setNotice("");
              setEditing({ engine });
            }}
            onTested={(engine) => setEngines((list) => upsert(list, engine))}
            onDeleted={(engine) => {
              setEngines((list) => list.filter((x) => x.id !== engine.id));
              setNotice(`Deleted “${engine.name}”.`);
              reload();
            }}
          />
        ))}
      </ul>
      {addedCount === 0 ? (
        <div className="card flex flex-col items-center gap-2 px-6 py-8 text-center" data-testid="engines-empty">
          <p className="font-medium">No engines added yet.</p>
          <p className="text-sm text-stone-600">
            Add one: start a server such as <code className="font-mono wrap-anywhere">vllm serve Qwen/Qwen2.5-VL-7B-Instruct</code>, give its base URL and model id, and
            test the connection — or add a model for the browser, such as <code className="font-mono wrap-anywhere">HuggingFaceTB/SmolVLM-256M-Instruct</code>.
          </p>
        </div>
      ) : null}

      <BrowserModels />

      <dialog
        ref={dialog}
        onClose={() => setEditing(null)}
        className="m-auto max-h-[calc(100dvh-1rem)] w-[calc(100%-1rem)] max-w-2xl overflow-y-auto overscroll-contain rounded-lg border border-stone-200 bg-white p-0 text-stone-900 shadow-2xl backdrop:bg-stone-900/30"
        aria-labelledby={titleId}
        data-testid="engine-dialog"
      >
        {editing ? (
          <div className="flex flex-col gap-4 p-4 sm:p-5">
            <header>
              <h2 id={titleId} className="text-lg font-semibold wrap-anywhere">
                {editing.engine ? `Edit “${editing.engine.name}”` : "Add an engine"}
              </h2>
              <p className="text-xs text-stone-600">
                {editing.engine?.kind === "transformersjs"
                  ? "A vision-language model that each user's browser downloads and runs (transformers.js). Nothing is saved until you save."
                  : editing.engine
                    ? "An OpenAI-compatible chat completions endpoint serving a vision-language model. Nothing is saved until you save."
                    : "An OpenAI-compatible server, or a model that runs in the browser. Nothing is saved until you save."}
              </p>
            </header>
            <EngineForm
              key={editing.engine?.id ?? "new"}
              engine={editing.engine}
              titleId={titleId}
              onSaved={saved}
              onTested={(engine) => setEngines((list) => upsert(list, engine))}
              onCancel={() => setEditing(null)}
            />
          </div>
        ) : null}
      </dialog>
    </div>
  );
}
