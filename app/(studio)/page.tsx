import type { Metadata } from "next";
import Link from "next/link";
import { listLibraries, listNotebooks, listTemplates } from "@/lib/store";
import { NotebookGrid } from "@/components/notebook/NotebookCard";
import { NewNotebookForm } from "@/components/notebook/NewNotebookForm";
import { LibraryViewTabs } from "@/components/library/LibraryViewTabs";
import { FilterBar } from "@/components/library/FilterBar";
import { LibraryList } from "@/components/library/LibraryList";
import { LibraryListToggle } from "@/components/library/LibraryListToggle";
import { CreateLibraryForm } from "@/components/library/CreateLibraryForm";
import { ImportLibraryButton } from "@/components/library/ImportLibraryButton";
import { TemplateCard } from "@/components/library/TemplateCard";
import { ShareControl } from "@/components/sharing/ShareControl";
import { firstParam, hrefWith } from "@/components/ui/format";
import { preferredLibrary } from "@/components/ui/libraries";
import { FirstRun } from "@/components/first-run/FirstRun";
import { loadFirstRunExample } from "@/components/first-run/example";
import { listScope, pageCaller } from "./not-found-guard";

export const metadata: Metadata = { title: "Library" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LibraryPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const search = firstParam(sp.search)?.trim() || undefined;
  const tag = firstParam(sp.tag);
  const libraryId = firstParam(sp.library);
  const view = firstParam(sp.view) === "notebooks" ? "notebooks" : "templates";

  const workspaces = listScope(await pageCaller());
  const [libraries, all] = await Promise.all([listLibraries({ workspaces }), listTemplates({ workspaces })]);
  const library = libraries.find((l) => l.id === libraryId);
  const [templates, notebooks] = await Promise.all([listTemplates({ libraryId: library?.id, search, tag, workspaces }), listNotebooks({ libraryId: library?.id, search, workspaces })]);
  const tags = [...new Set(all.filter((t) => !library || t.libraryId === library.id).flatMap((t) => t.tags))].sort();
  const filtered = Boolean(search || tag || library);
  const newTemplateLibrary = library ?? preferredLibrary(libraries);
  const userLibraries = libraries.filter((l) => l.kind === "user");
  // The first-run demo heads the library's front page (all libraries, templates); a chosen library or the notebooks tab goes without.
  const firstRun = !library && view === "templates" ? await loadFirstRunExample() : null;

  return (
    <div className="flex flex-col gap-6">
      {firstRun ? <FirstRun {...firstRun} /> : null}
      <div className="flex flex-col gap-6 lg:flex-row">
        <aside className="flex shrink-0 flex-col gap-3 lg:w-60" aria-label="Libraries">
          {/* Narrow screens: the list folds behind a "Libraries" button (the filter bar's Library select also picks one). */}
          <LibraryListToggle count={libraries.length} current={library?.name}>
            <h2 className="px-2 text-xs font-semibold uppercase tracking-wide text-stone-500 max-lg:sr-only">Libraries</h2>
            <LibraryList libraries={libraries} activeId={library?.id} view={view} />
          </LibraryListToggle>
          <div className="grid grid-cols-2 gap-2 lg:flex lg:flex-col lg:border-t lg:border-stone-200 lg:pt-3">
            <CreateLibraryForm />
            <ImportLibraryButton />
          </div>
        </aside>

        <section className="flex min-w-0 flex-1 flex-col gap-4" aria-labelledby="library-heading">
          <div className="flex flex-wrap items-end justify-between gap-3">
            <div>
              <h1 id="library-heading" className="text-2xl font-semibold tracking-tight">
                {library ? library.name : view === "notebooks" ? "All notebooks" : "All templates"}
              </h1>
              <p className="text-sm text-stone-600">
                {library?.description ||
                  (view === "notebooks"
                    ? "Notebooks: cells of prompts, run one by one or all in order, with every run kept."
                    : "Few-shot prompt templates: interleaved images and text, grouped into shots and a query.")}
              </p>
            </div>
            <div className="flex flex-wrap gap-2">
            {library ? (
              <a href={`/api/libraries/${encodeURIComponent(library.id)}/export`} download className="btn" data-testid="export-current-library">
                Export library
              </a>
            ) : null}
            {library ? <ShareControl kind="library" id={library.id} name={library.name} /> : null}
            {view === "notebooks" ? (
              <NewNotebookForm libraries={userLibraries} defaultLibraryId={(library?.kind === "user" ? library : preferredLibrary(userLibraries))?.id} />
            ) : newTemplateLibrary ? (
              <Link href={hrefWith("/templates/new", { libraryId: newTemplateLibrary.id })} className="btn btn-primary" data-testid="new-template-link">
                New template
              </Link>
            ) : null}
            </div>
          </div>

          <FilterBar libraries={libraries} tags={view === "notebooks" ? undefined : tags} search={search} libraryId={library?.id} tag={tag} view={view} />

          <LibraryViewTabs view={view} params={{ library: library?.id, search, tag }} templateCount={templates.length} notebookCount={notebooks.length} />

          {view === "notebooks" ? (
            <div className="flex flex-col gap-4">
              <p className="text-sm text-stone-600" aria-live="polite" data-testid="notebook-count">
                {notebooks.length} {notebooks.length === 1 ? "notebook" : "notebooks"}
                {search ? ` matching “${search}”` : ""}
              </p>
              {notebooks.length === 0 ? (
                <div className="card flex flex-col items-center gap-2 px-6 py-12 text-center" data-testid="notebooks-empty">
                  <p className="font-medium">{search ? "No notebooks match this search." : library ? "This library has no notebooks yet." : "No notebooks yet."}</p>
                  <p className="text-sm text-stone-600">
                    Make one on the <Link href="/notebooks" className="text-brand-700 hover:underline">Notebooks</Link> page, or keep a run from the template editor.
                  </p>
                </div>
              ) : (
                <NotebookGrid notebooks={notebooks} />
              )}
            </div>
          ) : (
            <div className="flex flex-col gap-4">
              <div className="flex items-center justify-between text-sm text-stone-600">
              <p aria-live="polite" data-testid="result-count">
                {templates.length} {templates.length === 1 ? "template" : "templates"}
                {tag ? ` tagged “${tag}”` : ""}
                {search ? ` matching “${search}”` : ""}
              </p>
              {filtered ? (
                <Link href="/" className="text-brand-700 hover:underline" data-testid="clear-filters">
                  Clear filters
                </Link>
              ) : null}
            </div>

            {templates.length === 0 ? (
              <div className="card flex flex-col items-center gap-2 px-6 py-12 text-center" data-testid="empty-state">
                <p className="font-medium">
                  {search || tag ? "No templates match these filters." : library ? "This library has no templates yet." : "No templates yet."}
                </p>
                <p className="text-sm text-stone-600">
                  {search || tag ? "Try another search or tag." : "Create one from JSON, fork one from another library, or import a library file."}
                </p>
              </div>
            ) : (
              <ul className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-3" data-testid="template-list">
                {templates.map((t) => (
                  <TemplateCard key={t.id} template={t} libraryId={library?.id} />
                ))}
              </ul>
            )}
            </div>
          )}
        </section>
      </div>
    </div>
  );
}
