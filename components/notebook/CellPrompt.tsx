"use client";

import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Composer } from "@/components/composer/Composer";
import { ensureIds, type Doc } from "@/components/composer/document-ops";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { setBinding } from "@/lib/notebook/ops";
import type { CellPrompt as Prompt } from "@/lib/notebook/schema";
import type { Bindings } from "@/lib/prompt/render";
import { describeIssues, parseTemplate, type TemplateIssue } from "@/lib/prompt/validate";
import type { Template } from "@/lib/prompt/schema";
import type { TemplateSummary } from "@/lib/store/types";
import { PromptPreview } from "./PromptPreview";
import { TemplateOptions } from "./TemplateOptions";
import type { ResolvedTemplate } from "./useTemplateDocs";

interface Props {
  prompt: Prompt;
  /** Library templates to pick from. */
  templates: TemplateSummary[];
  /** The referenced template, for library cells. */
  resolved?: ResolvedTemplate;
  onChange(p: Prompt): void;
  /** Inline cells: whether the composer is open (one at a time on the page). */
  editing: boolean;
  onEditing(open: boolean): void;
}

/** n, n-1, …, 1. */
const versionsDown = (n: number): number[] => Array.from({ length: n }, (_, i) => n - i);

/** What a cell runs: a library template (pinned or latest) or its own inline prompt, previewed in one line. */
export function CellPrompt({ prompt, templates, resolved, onChange, editing, onEditing }: Props) {
  if (prompt.kind === "template") {
    const summary = templates.find((t) => t.id === prompt.templateId);
    const latest = resolved?.status === "ready" ? resolved.latestVersion : summary?.latestVersion;
    return (
      <div className="flex flex-col gap-2" data-testid="cell-prompt" data-kind="template">
        <div className="flex flex-wrap items-end gap-2">
          <label className="flex min-w-48 flex-1 flex-col text-xs">
            <span className="label">Template</span>
            <select
              className="input"
              value={prompt.templateId}
              onChange={(e) => onChange({ ...prompt, templateId: e.target.value, version: "latest" })}
              data-testid="cell-template"
            >
              {summary ? null : <option value={prompt.templateId}>(a template not in the list)</option>}
              <TemplateOptions templates={templates} />
            </select>
          </label>
          <label className="flex w-36 flex-col text-xs">
            <span className="label">Version</span>
            <select
              className="input"
              value={String(prompt.version)}
              onChange={(e) => onChange({ ...prompt, version: e.target.value === "latest" ? "latest" : Number(e.target.value) })}
              data-testid="cell-template-version"
            >
              <option value="latest">Latest{latest ? ` (v${latest})` : ""}</option>
              {versionsDown(Math.max(latest ?? 0, typeof prompt.version === "number" ? prompt.version : 0)).map((v) => (
                  <option key={v} value={v}>
                    v{v}
                  </option>
                ))}
            </select>
          </label>
          <div className="flex gap-2 pb-0.5">
            <Link href={`/templates/${encodeURIComponent(prompt.templateId)}`} className="btn px-2 py-1 text-xs">
              Open
            </Link>
            {resolved?.status === "ready" ? (
              <button
                type="button"
                className="btn px-2 py-1 text-xs"
                title="Copy this template into the cell, to edit it here without changing the library"
                onClick={() => onChange({ kind: "inline", template: resolved.template, bindings: prompt.bindings })}
                data-testid="cell-make-inline"
              >
                Copy here to edit
              </button>
            ) : null}
          </div>
        </div>
        {resolved?.status === "ready" && typeof prompt.version === "number" && resolved.latestVersion > prompt.version ? (
          <p className="flex flex-wrap items-center gap-2 text-xs text-amber-800" data-testid="cell-pinned-note">
            Pinned to v{prompt.version}; the template is at v{resolved.latestVersion} now.
            <button type="button" className="underline hover:text-amber-950" onClick={() => onChange({ ...prompt, version: "latest" })}>
              Follow the latest
            </button>
          </p>
        ) : null}
        {resolved?.status === "ready" ? <PromptPreview template={resolved.template} bindings={prompt.bindings} /> : null}
        {resolved?.status === "loading" || !resolved ? <p className="text-xs text-stone-500">Loading the template…</p> : null}
        {resolved?.status === "error" ? <ErrorNotice error={resolved.error} title="The template could not be loaded" /> : null}
      </div>
    );
  }
  return (
    <div className="flex flex-col gap-2" data-testid="cell-prompt" data-kind="inline">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-xs text-stone-600">
          <span className="font-medium text-stone-800">{prompt.template.name}</span> · this cell&apos;s own prompt · {prompt.template.shots.length} shot
          {prompt.template.shots.length === 1 ? "" : "s"}
        </p>
        <button type="button" className="btn px-2 py-1 text-xs" aria-expanded={editing} onClick={() => onEditing(!editing)} data-testid="cell-edit-prompt">
          {editing ? "Done editing" : "Edit prompt"}
        </button>
      </div>
      {editing ? (
        <InlineComposer
          template={prompt.template}
          onChange={(template) => onChange({ ...prompt, template })}
          bindings={prompt.bindings}
          onBindImage={(name, assetId) => onChange({ ...prompt, bindings: setBinding(prompt.bindings, name, { assetId }) })}
        />
      ) : (
        <PromptPreview template={prompt.template} bindings={prompt.bindings} />
      )}
    </div>
  );
}

/**
 * The composer on a cell's own prompt; only valid documents reach the notebook. An image put into
 * an image variable's slot fills the cell's binding (the Run controls below show it).
 */
function InlineComposer({ template, onChange, bindings, onBindImage }: { template: Template; onChange(t: Template): void; bindings: Bindings; onBindImage(name: string, assetId: string): void }) {
  const [draft, setDraft] = useState<Doc>(() => ensureIds(template as Doc));
  const latest = useRef(onChange);
  useEffect(() => {
    latest.current = onChange;
  });
  // Opening the composer adds block ids; only a real edit changes the notebook.
  const touched = useRef(false);
  const edit = useCallback((op: (d: Doc) => Doc) => {
    touched.current = true;
    setDraft((d) => op(ensureIds(d)));
  }, []);
  const read = useMemo(() => parseTemplate(draft), [draft]);
  const issues: TemplateIssue[] = read.ok ? [] : read.issues;
  useEffect(() => {
    if (read.ok && touched.current) latest.current(read.template);
  }, [read]);
  return (
    <div className="flex flex-col gap-2 rounded-lg border border-stone-200 bg-stone-50/50 p-2" data-testid="cell-composer">
      {issues.length > 0 ? (
        <p role="alert" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900">
          Not kept until fixed: {describeIssues(issues.slice(0, 3))}
        </p>
      ) : null}
      <Composer doc={draft} edit={edit} bindings={bindings} onBindImage={onBindImage} />
    </div>
  );
}
