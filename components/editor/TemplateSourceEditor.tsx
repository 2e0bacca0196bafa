"use client";

import dynamic from "next/dynamic";
import { useRouter } from "next/navigation";
import { navigateFresh } from "@/components/ui/navigate";
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, postJson } from "@/components/ui/api";
import type { TemplateDetail } from "@/lib/store/types";
import { analyze, issuesAtPaths, type EditorIssue } from "./analyze";
import { AssetUploader } from "./AssetUploader";
import { IssueList } from "./IssueList";
import { SavePanel } from "./SavePanel";
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
          hint={!analysis.ok ? "Fix the problems listed under the editor to save." : !dirty && target.mode === "edit" && target.startVersion === undefined ? "No changes yet." : "Ctrl/⌘ + S saves."}
        />
        <div className="card p-4">
          <AssetUploader onInsert={onInsert} />
        </div>
      </aside>
    </div>
  );
}
