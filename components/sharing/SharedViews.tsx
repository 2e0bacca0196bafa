import Link from "next/link";
import type { Notebook } from "@/lib/notebook/schema";
import type { Template } from "@/lib/prompt/schema";
import type { LibrarySummary, NotebookSummary, TemplateSummary } from "@/lib/store/types";
import { PromptStrip } from "@/components/template/PromptStrip";
import { SerializedPrompt } from "@/components/template/SerializedPrompt";
import { AssetImage } from "@/components/ui/AssetImage";
import { Tag } from "@/components/ui/Tag";

/** Where an item inside a shared library opens: the same share page, naming the item. */
export const sharedItemHref = (token: string, kind: "template" | "notebook", id: string) => `/share/${encodeURIComponent(token)}?${kind}=${encodeURIComponent(id)}`;

export function SharedBanner({ what }: { what: string }) {
  return (
    <p className="rounded-lg border border-sky-200 bg-sky-50 px-4 py-2 text-sm text-sky-900" role="note" data-testid="shared-banner">
      A read-only {what} shared with you by link.
    </p>
  );
}

export function SharedTemplate({ token, template }: { token: string; template: Template }) {
  return (
    <div className="flex flex-col gap-4" data-testid="shared-template">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight" data-testid="shared-name">
          {template.name}
        </h1>
        {template.description ? <p className="mt-1 max-w-3xl text-stone-600">{template.description}</p> : null}
        {template.tags.length > 0 ? (
          <ul className="mt-2 flex flex-wrap gap-1" aria-label="Tags">
            {template.tags.map((t) => (
              <li key={t}>
                <Tag tag={t} />
              </li>
            ))}
          </ul>
        ) : null}
      </header>
      <PromptStrip template={template} share={token} />
      <SerializedPrompt template={template} />
    </div>
  );
}

export function SharedLibrary({ token, library, templates, notebooks }: { token: string; library: LibrarySummary; templates: TemplateSummary[]; notebooks: NotebookSummary[] }) {
  return (
    <div className="flex flex-col gap-4" data-testid="shared-library">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight" data-testid="shared-name">
          {library.name}
        </h1>
        {library.description ? <p className="mt-1 text-stone-600">{library.description}</p> : null}
      </header>
      <h2 className="text-sm font-semibold uppercase tracking-wide text-stone-500">Templates ({templates.length})</h2>
      {templates.length === 0 ? <p className="text-sm text-stone-500">No templates.</p> : null}
      <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-3" data-testid="shared-template-list">
        {templates.map((t) => (
          <li key={t.id} className="card flex flex-col gap-2 p-3">
            <div className="flex h-12 gap-1 overflow-hidden">
              {t.previewAssetIds.slice(0, 6).map((id, i) => (
                <AssetImage key={`${id}-${i}`} assetId={id} share={token} alt="" className="aspect-square h-full shrink-0 rounded" />
              ))}
            </div>
            <Link href={sharedItemHref(token, "template", t.id)} className="font-medium text-brand-700 hover:underline" data-testid="shared-template-link">
              {t.name}
            </Link>
            {t.description ? <p className="line-clamp-2 text-sm text-stone-600">{t.description}</p> : null}
          </li>
        ))}
      </ul>
      {notebooks.length > 0 ? (
        <>
          <h2 className="text-sm font-semibold uppercase tracking-wide text-stone-500">Notebooks ({notebooks.length})</h2>
          <ul className="flex flex-col gap-2">
            {notebooks.map((n) => (
              <li key={n.id} className="card p-3">
                <Link href={sharedItemHref(token, "notebook", n.id)} className="font-medium text-brand-700 hover:underline" data-testid="shared-notebook-link">
                  {n.name}
                </Link>{" "}
                <span className="text-sm text-stone-500">
                  {n.cellCount} {n.cellCount === 1 ? "cell" : "cells"}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/** A notebook's cells, read-only: each cell's prompt (its own, or the shared template it uses) and its run settings. */
export function SharedNotebook({ token, notebook, templates }: { token: string; notebook: Notebook; templates: ReadonlyMap<string, Template> }) {
  return (
    <div className="flex flex-col gap-4" data-testid="shared-notebook">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight" data-testid="shared-name">
          {notebook.name}
        </h1>
        {notebook.description ? <p className="mt-1 text-stone-600">{notebook.description}</p> : null}
      </header>
      <ol className="flex flex-col gap-4">
        {notebook.cells.map((cell, i) => {
          const template = cell.prompt.kind === "inline" ? cell.prompt.template : templates.get(cell.prompt.templateId);
          return (
            <li key={cell.id} className="card flex flex-col gap-3 p-4" data-testid="shared-cell">
              <h2 className="font-semibold">{cell.title || `Cell ${i + 1}`}</h2>
              <p className="text-xs text-stone-500">
                {cell.params.mode === "rank" ? "ranks candidate answers" : "generates"} · {cell.params.backend} · {cell.params.decoding}
                {cell.prompt.kind === "template" ? ` · template ${template ? `“${template.name}”` : "not shared"} (${cell.prompt.version === "latest" ? "latest" : `v${cell.prompt.version}`})` : ""}
              </p>
              {template ? <PromptStrip template={template} share={token} /> : <p className="text-sm text-stone-500">This cell uses a template that is not part of this share.</p>}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
