"use client";

import dynamic from "next/dynamic";
import { useRouter } from "next/navigation";
import { useCallback, useDeferredValue, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { ensureIds, type Doc } from "@/components/composer/document-ops";
import { Composer } from "@/components/composer/Composer";
import { SaveToNotebook } from "@/components/notebook/SaveToNotebook";
import { LiveRunPanel } from "@/components/run/LiveRunPanel";
import { ApiError, postJson } from "@/lib/api-client";
import { navigateFresh } from "@/components/ui/navigate";
import { DraftNotice } from "@/components/ui/DraftNotice";
import { useDraft } from "@/components/ui/useDraft";
import { useLeaveWarning } from "@/components/ui/useLeaveWarning";
import type { Bindings } from "@/lib/prompt/render";
import type { TemplateDetail } from "@/lib/store/types";
import { analyze, issuesAtPaths, type EditorIssue } from "./analyze";
import { AssetUploader } from "./AssetUploader";
import { IssueList } from "./IssueList";
import type { EditorHandle } from "./MonacoJsonEditor";
import { SavePanel } from "./SavePanel";
import { lineOfOffset, toSource } from "./source-sync";
import type { Starter, StarterId } from "./starters";
import type { SourceEditorTarget } from "./target";
import { useTemplateDocument } from "./useTemplateDocument";

const MonacoJsonEditor = dynamic(() => import("./MonacoJsonEditor"), {
  ssr: false,
  loading: () => <div className="flex h-full items-center justify-center text-sm text-stone-500">Loading editor…</div>,
});

export type { SourceEditorTarget };

interface Props {
  target: SourceEditorTarget;
  /** The JSON text to start from (pretty-printed). */
  initialText: string;
  cancelHref: string;
  /** New templates: what to start from (the chooser), the one `initialText` is, and its sample bindings. */
  starters?: Starter[];
  starter?: StarterId;
}

type Pane = "composer" | "source";

/**
 * The template editor: the visual Composer and the Monaco source, two views of
 * one document (side by side on wide screens, tabs on narrow ones), and saving.
 */
export function TemplateEditor({ target, initialText, cancelHref, starters, starter: initialStarter }: Props) {
  const router = useRouter();
  const { text, read, doc, setSource, edit, revertSource } = useTemplateDocument(initialText);
  // What "unsaved" is measured against: the saved version, or the starter chosen.
  const [baseline, setBaseline] = useState(initialText);
  const [starter, setStarter] = useState<StarterId | undefined>(initialStarter);
  // The Run panel's bindings; an image put into an image variable's slot in the composer fills it.
  const [bindings, setBindings] = useState<Bindings>(() => starters?.find((s) => s.id === initialStarter)?.bindings ?? {});
  const bind = useCallback((name: string, value: Bindings[string]) => setBindings((b) => ({ ...b, [name]: value })), []);
  const bindImage = useCallback((name: string, assetId: string) => bind(name, { assetId }), [bind]);
  // A new starter opens the Run panel afresh (its mode and candidates follow the template).
  const [runKey, setRunKey] = useState(0);
  const deferred = useDeferredValue(text);
  const analysis = useMemo(() => analyze(deferred), [deferred]);
  // What the server refused, marked in the text it was refused for (cleared by any edit).
  const [serverIssues, setServerIssues] = useState<{ text: string; issues: EditorIssue[] } | null>(null);
  const issues = analysis.ok && serverIssues?.text === deferred ? serverIssues.issues : analysis.issues;
  const [pane, setPane] = useState<Pane>("composer");
  const [conflict, setConflict] = useState(false);
  const [message, setMessage] = useState("");
  const [libraryId, setLibraryId] = useState(target.mode === "create" ? target.libraryId : "");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const handle = useRef<EditorHandle | null>(null);
  const dirty = text !== baseline;
  const stale = deferred !== text;
  const canSave = analysis.ok && !stale && !saving && (dirty || target.mode === "create" || target.startVersion !== undefined);

  useLeaveWarning(dirty && !saving);
  // Unsaved text is kept in this browser (per template and the version it started from) and offered back.
  const draft = useDraft<string>({
    doc: target.mode === "create" ? { kind: "template", id: "new" } : { kind: "template", id: target.templateId, version: target.baseVersion },
    value: text,
    dirty,
    accept: (v) => (typeof v === "string" && v !== baseline ? v : null),
    restore: setSource,
    outdated: () => router.refresh(),
  });
  const clearDraft = draft.clear;

  const chooseStarter = (s: Starter) => {
    if (s.id === starter) return;
    if (dirty && !window.confirm(`Replace your changes with the “${s.label}” starter?`)) return;
    const next = toSource(ensureIds(s.document as Doc));
    setStarter(s.id);
    setBaseline(next);
    setSource(next);
    setBindings(s.bindings);
    setRunKey((k) => k + 1);
    draft.dismiss();
  };

  const save = useCallback(async () => {
    const current = analyze(text);
    if (!current.ok || saving) return;
    const document = JSON.parse(text) as unknown;
    const msg = message.trim() || undefined;
    setSaving(true);
    setError(null);
    setServerIssues(null);
    setConflict(false);
    try {
      const { template } =
        target.mode === "create"
          ? await postJson<{ template: TemplateDetail }>("/api/templates", { libraryId, document, message: msg })
          : await postJson<{ template: TemplateDetail }>(`/api/templates/${encodeURIComponent(target.templateId)}/versions`, {
              document,
              message: msg,
              baseVersion: target.baseVersion,
            });
      clearDraft();
      navigateFresh(router, `/templates/${encodeURIComponent(template.id)}`);
    } catch (err) {
      if (err instanceof ApiError && err.details.length > 0) setServerIssues({ text, issues: issuesAtPaths(text, err.details) });
      setConflict(err instanceof ApiError && err.status === 409 && target.mode === "edit");
      setError(
        err instanceof ApiError && err.status === 409 && target.mode === "edit"
          ? new ApiError(409, err.code, `Someone else saved a newer version of this template while you were editing (you started from v${target.baseVersion}). Your text is still here: copy it, reload this page to edit the latest version, and apply your changes again.`)
          : err,
      );
      setSaving(false);
    }
  }, [text, saving, message, target, libraryId, router, clearDraft]);

  const onSelectIssue = useCallback((issue: EditorIssue) => {
    setPane("source");
    handle.current?.revealOffset(issue.start);
  }, []);
  const lineOf = useCallback((offset: number) => lineOfOffset(deferred, offset), [deferred]);
  const onReady = useCallback((h: EditorHandle) => {
    handle.current = h;
  }, []);
  const onInsert = useCallback((t: string) => handle.current?.insertText(t), []);
  const onUndo = useCallback(() => handle.current?.undo(), []);
  const onRedo = useCallback(() => handle.current?.redo(), []);
  const goToError = () => {
    if (read.ok) return;
    setPane("source");
    // After the tab has shown the editor.
    requestAnimationFrame(() => handle.current?.revealLine(read.line));
  };

  function onTabKey(e: KeyboardEvent<HTMLButtonElement>) {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    e.preventDefault();
    const next: Pane = pane === "composer" ? "source" : "composer";
    setPane(next);
    document.getElementById(`tab-${next}`)?.focus();
  }

  const tab = (id: Pane, label: string, badge: boolean) => (
    <button
      type="button"
      role="tab"
      id={`tab-${id}`}
      aria-selected={pane === id}
      aria-controls={`pane-${id}`}
      tabIndex={pane === id ? 0 : -1}
      onClick={() => setPane(id)}
      onKeyDown={onTabKey}
      className={`flex flex-1 items-center justify-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium ${pane === id ? "bg-white text-stone-900 shadow-xs" : "text-stone-600 hover:text-stone-900"}`}
      data-testid={`tab-${id}`}
    >
      {label}
      {badge ? <span aria-label="has problems" className="inline-block size-2 rounded-full bg-red-500" /> : null}
    </button>
  );

  return (
    <div className="flex flex-col gap-3" data-testid="template-source-editor" data-dirty={dirty ? "true" : "false"}>
      <DraftNotice
        restoredAt={draft.restoredAt}
        onDiscard={() => {
          setSource(baseline);
          draft.dismiss();
        }}
        onDismiss={draft.dismiss}
      />
      {starters && starters.length > 0 ? <StarterChooser starters={starters} value={starter} onChoose={chooseStarter} /> : null}
      <div role="tablist" aria-label="Editor view" className="flex gap-1 rounded-lg bg-stone-200/70 p-1 lg:hidden">
        {tab("composer", "Composer", false)}
        {tab("source", "Source", issues.length > 0)}
      </div>

      <div className="grid grid-cols-1 items-start gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,27rem)] xl:grid-cols-[minmax(0,1fr)_minmax(0,31rem)]">
        <div
          id="pane-composer"
          role="tabpanel"
          aria-labelledby="tab-composer"
          className={`${pane === "composer" ? "flex" : "hidden"} min-w-0 flex-col gap-3 lg:flex`}
        >
          <h2 className="sr-only">Composer</h2>
          {!read.ok ? (
            <div role="alert" className="flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="composer-source-error">
              <span>
                <strong>Source has errors</strong> (line {read.line}: {read.message}). The composer shows the last valid version.
              </span>
              <span className="ml-auto flex gap-2">
                <button type="button" className="btn px-2 py-1 text-xs" onClick={goToError}>
                  Go to line {read.line}
                </button>
                <button type="button" className="btn px-2 py-1 text-xs" onClick={revertSource} data-testid="revert-source">
                  Discard source edits
                </button>
              </span>
            </div>
          ) : null}
          <div inert={!read.ok} className={read.ok ? "" : "pointer-events-none opacity-60"}>
            <Composer doc={doc} edit={edit} detailsOpen={target.mode === "create"} onUndo={onUndo} onRedo={onRedo} bindings={bindings} onBindImage={bindImage} />
          </div>
          {/* Run what is being composed, saved or not; a finished run can be kept in a notebook. */}
          <LiveRunPanel key={runKey} doc={doc} bindings={bindings} onBind={bind} footer={(run) => <SaveToNotebook run={run} />} />
        </div>

        <div className="flex min-w-0 flex-col gap-4 lg:sticky lg:top-4">
          <div id="pane-source" role="tabpanel" aria-labelledby="tab-source" className={`${pane === "source" ? "flex" : "hidden"} min-w-0 flex-col gap-3 lg:flex`}>
            <h2 className="sr-only">Source</h2>
            <div className="h-[60vh] min-h-80 overflow-hidden rounded-lg border border-stone-300 bg-white lg:h-[calc(100dvh-22rem)]" data-testid="monaco-container">
              <MonacoJsonEditor
                modelKey={target.mode === "create" ? "new" : target.templateId}
                defaultValue={initialText}
                value={text}
                onChange={setSource}
                issues={issues}
                onSave={save}
                onReady={onReady}
                label="Template JSON source"
              />
            </div>
            <IssueList issues={issues} lineOf={lineOf} onSelect={onSelectIssue} />
          </div>
          <SavePanel
            target={target}
            libraryId={libraryId}
            onLibraryChange={setLibraryId}
            message={message}
            onMessageChange={setMessage}
            onSave={save}
            canSave={canSave}
            saving={saving}
            error={error}
            conflict={conflict}
            cancelHref={cancelHref}
            hint={
              !analysis.ok
                ? "Fix the problems listed under the source to save."
                : !dirty && target.mode === "edit" && target.startVersion === undefined
                  ? "No changes yet."
                  : "Ctrl/⌘ + S in the source saves."
            }
          />
          {/* Uploads for writing asset ids into the JSON; the composer takes images itself. */}
          <div className={`${pane === "source" ? "block" : "hidden"} card p-4 lg:block`}>
            <AssetUploader onInsert={onInsert} />
          </div>
        </div>
      </div>
    </div>
  );
}

/** New templates: the starters, as one radio group of cards. */
function StarterChooser({ starters, value, onChoose }: { starters: Starter[]; value: StarterId | undefined; onChoose(s: Starter): void }) {
  return (
    <fieldset className="flex flex-col gap-1.5" data-testid="starter-chooser">
      <legend className="label">Start from</legend>
      <div className="grid grid-cols-1 gap-2 sm:grid-cols-3" role="radiogroup" aria-label="Start from">
        {starters.map((s) => (
          <label
            key={s.id}
            className={`flex cursor-pointer flex-col gap-0.5 rounded-lg border px-3 py-2 text-sm has-focus-visible:outline-2 has-focus-visible:outline-brand-600 ${
              value === s.id ? "border-brand-600 bg-brand-50 text-brand-800" : "border-stone-300 bg-white text-stone-700 hover:bg-stone-50"
            }`}
          >
            <input type="radio" className="sr-only" name="template-starter" value={s.id} checked={value === s.id} onChange={() => onChoose(s)} data-testid={`starter-${s.id}`} />
            <span className="font-medium">{s.label}</span>
            <span className="text-xs text-stone-500">{s.hint}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
