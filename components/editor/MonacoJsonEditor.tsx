"use client";

import Editor, { type OnMount } from "@monaco-editor/react";
import { useEffect, useRef } from "react";
import { monaco, TEMPLATE_MODEL_SUFFIX } from "./monaco-setup";
import type { EditorIssue } from "./analyze";

export interface EditorHandle {
  /** Replace the selection (or insert at the cursor) and focus the editor. */
  insertText(text: string): void;
  /** Move the cursor to a character offset and reveal it. */
  revealOffset(offset: number): void;
}

interface Props {
  /** Distinguishes models when several editors are open (e.g. "new", a template id). */
  modelKey: string;
  defaultValue: string;
  onChange(value: string): void;
  /** Template issues to show as markers (syntax errors come from Monaco's JSON worker). */
  issues: EditorIssue[];
  onSave?(): void;
  onReady?(handle: EditorHandle): void;
  label: string;
}

type Ed = monaco.editor.IStandaloneCodeEditor;

declare global {
  interface Window {
    __flamingoSourceEditor?: { getValue(): string; setValue(value: string): void };
  }
}

export default function MonacoJsonEditor({ modelKey, defaultValue, onChange, issues, onSave, onReady, label }: Props) {
  const editorRef = useRef<Ed | null>(null);
  const saveRef = useRef(onSave);
  useEffect(() => {
    saveRef.current = onSave;
  }, [onSave]);

  const issuesRef = useRef(issues);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    applyMarkers(editor, issuesRef.current);
    // A stable hook for end-to-end tests (typing JSON into Monaco auto-closes brackets).
    window.__flamingoSourceEditor = { getValue: () => editor.getValue(), setValue: (v: string) => editor.setValue(v) };
    editor.onDidDispose(() => {
      delete window.__flamingoSourceEditor;
    });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => saveRef.current?.());
    onReady?.({
      insertText(text) {
        const sel = editor.getSelection();
        if (!sel) return;
        editor.executeEdits("flamingo-insert", [{ range: sel, text, forceMoveMarkers: true }]);
        editor.focus();
      },
      revealOffset(offset) {
        const model = editor.getModel();
        if (!model) return;
        const pos = model.getPositionAt(offset);
        editor.setPosition(pos);
        editor.revealPositionInCenter(pos);
        editor.focus();
      },
    });
  };

  useEffect(() => {
    issuesRef.current = issues;
    if (editorRef.current) applyMarkers(editorRef.current, issues);
  }, [issues]);

  return (
    <Editor
      path={`file:///studio/${encodeURIComponent(modelKey)}${TEMPLATE_MODEL_SUFFIX}`}
      language="json"
      defaultValue={defaultValue}
      onChange={(v) => onChange(v ?? "")}
      onMount={onMount}
      loading={<EditorPlaceholder />}
      options={{
        ariaLabel: label,
        minimap: { enabled: false },
        fontSize: 13,
        tabSize: 2,
        scrollBeyondLastLine: false,
        automaticLayout: true,
        wordWrap: "on",
        formatOnPaste: false,
        fixedOverflowWidgets: true,
        renderValidationDecorations: "on",
      }}
    />
  );
}

export function EditorPlaceholder() {
  return <div className="flex h-full items-center justify-center text-sm text-stone-500">Loading editor…</div>;
}

/** Our template issues as Monaco markers, at the ranges analyze() found. */
function applyMarkers(editor: Ed, issues: EditorIssue[]) {
  const model = editor.getModel();
  if (!model) return;
  const markers = issues
      .filter((i) => i.kind === "template")
      .map((i) => {
        const a = model.getPositionAt(i.start);
        const b = model.getPositionAt(Math.max(i.end, i.start + 1));
        return {
          severity: monaco.MarkerSeverity.Error,
          message: i.path ? `${i.path}: ${i.message}` : i.message,
          source: "Flamingo template",
          startLineNumber: a.lineNumber,
          startColumn: a.column,
          endLineNumber: b.lineNumber,
          endColumn: b.column,
        };
      });
  monaco.editor.setModelMarkers(model, "flamingo-template", markers);
}
