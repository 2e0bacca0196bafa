"use client";

import dynamic from "next/dynamic";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { navigateFresh } from "@/components/ui/navigate";
import { useCallback, useDeferredValue, useEffect, useId, useMemo, useRef, useState } from "react";
import { ApiError, postJson } from "@/components/ui/api";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { TemplateDetail } from "@/lib/store/types";
import { analyze, issuesAtPaths, type EditorIssue } from "./analyze";
import { AssetUploader } from "./AssetUploader";
import { IssueList } from "./IssueList";
import type { EditorHandle } from "./MonacoJsonEditor";

const MonacoJsonEditor = dynamic(() => import("./MonacoJsonEditor"), {
  ssr: false,
  loading: () => <div className="flex h-full items-center justify-center text-sm text-stone-500">Loading editor…</div>,
});

export type SourceEditorTarget =
  | { mode: "create"; libraries: { id: string; name: string }[]; libraryId: string }
  /** `startVersion`: the older version the text came from, if not the latest (saving it unchanged is allowed). */
  | { mode: "edit"; templateId: string; baseVersion: number; startVersion?: number };

interface Props {
  target: SourceEditorTarget;
  /** The JSON text to start from (pretty-printed). */
  initialText: string;
  cancelHref: string;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function TemplateSourceEditor({ target, initialText, cancelHref }: Props) {
  const router = useRouter();
  const id = useId();
  const [text, setText] = useState(initialText);
  const deferred = useDeferredValue(text);
  const analysis = useMemo(() => analyze(deferred), [deferred]);
  // What the server refused, marked in the text it was refused for (cleared by any edit).
  const [serverIssues, setServerIssues] = useState<{ text: string; issues: EditorIssue[] } | null>(null);
  const issues = analysis.ok && serverIssues?.text === deferred ? serverIssues.issues : analysis.issues;
  const [conflict, setConflict] = useState(false);
  const [message, setMessage] = useState("");
  const [libraryId, setLibraryId] = useState(target.mode === "create" ? target.libraryId : "");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const handle = useRef<EditorHandle | null>(null);
  const dirty = text !== initialText;
  const stale = deferred !== text;
  const canSave = analysis.ok && !stale && !saving && (dirty || target.mode === "create" || target.startVersion !== undefined);

  useEffect(() => {
    if (!dirty || saving) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty, saving]);

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
  }, [text, saving, message, target, libraryId, router]);

  const onSelectIssue = useCallback((issue: EditorIssue) => handle.current?.revealOffset(issue.start), []);
  const lineOf = useCallback((offset: number) => lineOfOffset(deferred, offset), [deferred]);
  const onReady = useCallback((h: EditorHandle) => {
    handle.current = h;
  }, []);
  const onInsert = useCallback((t: string) => handle.current?.insertText(t), []);

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]" data-testid="template-source-editor">
      <div className="flex min-w-0 flex-col gap-3">
        <div className="h-[60vh] min-h-80 overflow-hidden rounded-lg border border-stone-300 bg-white" data-testid="monaco-container">
          <MonacoJsonEditor
            modelKey={target.mode === "create" ? "new" : target.templateId}
            defaultValue={initialText}
            onChange={setText}
            issues={issues}
            onSave={save}
            onReady={onReady}
            label="Template JSON source"
          />
        </div>
        <IssueList issues={issues} lineOf={lineOf} onSelect={onSelectIssue} />
      </div>

      <aside className="flex flex-col gap-4">
        <form
          className="card flex flex-col gap-3 p-4"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
          aria-label="Save"
        >
          {target.mode === "create" ? (
            <div>
              <label htmlFor={`${id}-lib`} className="label">
                Library
              </label>
              <select id={`${id}-lib`} value={libraryId} onChange={(e) => setLibraryId(e.target.value)} className="input" data-testid="editor-library">
                {target.libraries.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          <div>
            <label htmlFor={`${id}-msg`} className="label">
              Version message (optional)
            </label>
            <input
              id={`${id}-msg`}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
              maxLength={500}
              placeholder={target.mode === "create" ? "First version" : "What changed?"}
              className="input"
              data-testid="version-message"
            />
          </div>
          <ErrorNotice error={error} title="Not saved" />
          {conflict && target.mode === "edit" ? (
            <a href={`/templates/${encodeURIComponent(target.templateId)}`} target="_blank" rel="noreferrer" className="text-sm text-brand-700 underline" data-testid="conflict-latest-link">
              Open the latest version in a new tab
            </a>
          ) : null}
          <div className="flex gap-2">
            <button type="submit" className="btn btn-primary flex-1" disabled={!canSave} data-testid="save-template">
              {saving ? "Saving…" : target.mode === "create" ? "Create template" : `Save as v${target.baseVersion + 1}`}
            </button>
            <Link href={cancelHref} className="btn">
              Cancel
            </Link>
          </div>
          <p className="text-xs text-stone-500">
            {!analysis.ok ? "Fix the problems listed under the editor to save." : !dirty && target.mode === "edit" ? "No changes yet." : "Ctrl/⌘ + S saves."}
          </p>
        </form>
        <div className="card p-4">
          <AssetUploader onInsert={onInsert} />
        </div>
      </aside>
    </div>
  );
}
