"use client";

import Editor, { type OnMount } from "@monaco-editor/react";
import { useEffect, useLayoutEffect, useRef } from "react";
import { monaco, TEMPLATE_MODEL_SUFFIX } from "./monaco-setup";
import type { EditorIssue } from "./analyze";
import { minimalEdit } from "./source-sync";

export interface EditorHandle {
  /** Replace the selection (or insert at the cursor) and focus the editor. */
  insertText(text: string): void;
  /** Undo / redo the last change to the source, whichever view made it (composer edits are in the same history). */
  undo(): void;
  redo(): void;
  /** Move the cursor to the start of a line and reveal it. */
  revealLine(line: number): void;
  /** Move the cursor to a character offset and reveal it. */
  revealOffset(offset: number): void;
}

interface Props {
  /** Distinguishes models when several editors are open (e.g. "new", a template id). */
  modelKey: string;
  defaultValue: string;
  /** The document's text as the rest of the page has it; differences are applied as one undoable edit. */
  value: string;
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

export default function MonacoJsonEditor({ modelKey, defaultValue, value, onChange, issues, onSave, onReady, label }: Props) {
  const editorRef = useRef<Ed | null>(null);
  const valueRef = useRef(value);
  // The text the editor last reported: a `value` equal to it is an echo of the user's own typing
  // (possibly already overtaken by the next keystroke), never something to write back.
  const reportedRef = useRef(defaultValue);
  const saveRef = useRef(onSave);
  useEffect(() => {
    saveRef.current = onSave;
  }, [onSave]);

  const issuesRef = useRef(issues);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    syncValue(editor, valueRef.current);
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
      undo() {
        void editor.getModel()?.undo();
      },
      redo() {
        void editor.getModel()?.redo();
      },
      revealLine(line) {
        editor.setPosition({ lineNumber: line, column: 1 });
        editor.revealLineInCenter(line);
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

  useLayoutEffect(() => {
    valueRef.current = value;
    if (editorRef.current && value !== reportedRef.current) syncValue(editorRef.current, value);
  }, [value]);

  useEffect(() => {
    issuesRef.current = issues;
    if (editorRef.current) applyMarkers(editorRef.current, issues);
  }, [issues]);

  return (
    <Editor
      path={`file:///studio/${encodeURIComponent(modelKey)}${TEMPLATE_MODEL_SUFFIX}`}
      language="json"
      defaultValue={defaultValue}
      onChange={(v) => {
        reportedRef.current = v ?? "";
        onChange(v ?? "");
      }}
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

/** Bring the editor to `value` by replacing only the range that differs (keeps cursor, scroll and undo). */
function syncValue(editor: Ed, value: string) {
  const model = editor.getModel();
  if (!model) return;
  const edit = minimalEdit(model.getValue(), value);
  if (!edit) return;
  const a = model.getPositionAt(edit.start);
  const b = model.getPositionAt(edit.end);
  editor.pushUndoStop();
  editor.executeEdits("flamingo-composer", [{ range: new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column), text: edit.text }]);
  editor.pushUndoStop();
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
