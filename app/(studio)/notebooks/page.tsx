import type { Metadata } from "next";
import Link from "next/link";
import { listLibraries, listNotebooks } from "@/lib/store";
import { NotebookGrid } from "@/components/notebook/NotebookCard";
import { NewNotebookForm } from "@/components/notebook/NewNotebookForm";
import { firstParam } from "@/components/ui/format";
import { preferredLibrary } from "@/components/ui/libraries";
import { Field, LibrarySelect } from "@/components/ui/Field";
import { listScope, pageCaller } from "../not-found-guard";

export const metadata: Metadata = { title: "Notebooks" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Every notebook, searchable by name and description and filtered by library (a GET form: works without JS). */
export default async function NotebooksPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const search = firstParam(sp.search)?.trim() || undefined;
  const libraryId = firstParam(sp.library);
  const workspaces = listScope(await pageCaller());
  const libraries = await listLibraries({ workspaces });
  const library = libraries.find((l) => l.id === libraryId);
  const notebooks = await listNotebooks({ libraryId: library?.id, search, workspaces });
  const filtered = Boolean(search || library);
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Notebooks</h1>
          <p className="text-sm text-stone-600">Cells of prompts — library templates or their own — run one by one or all in order, with every run kept.</p>
        </div>
        <NewNotebookForm libraries={libraries.filter((l) => l.kind === "user")} defaultLibraryId={(library?.kind === "user" ? library : preferredLibrary(libraries.filter((l) => l.kind === "user")))?.id} />
      </div>
      <form action="/notebooks" method="get" role="search" className="flex flex-col gap-2 sm:flex-row sm:items-end" data-testid="notebook-filter">
        <Field htmlFor="nb-search" label="Search notebooks" className="flex-1">
          <input id="nb-search" name="search" type="search" defaultValue={search} key={search ?? ""} className="input" placeholder="Name or description" data-testid="notebook-search" />
        </Field>
        <Field htmlFor="nb-library" label="Library">
          <LibrarySelect
            id="nb-library"
            name="library"
            libraries={libraries}
            allLabel="All libraries"
            defaultValue={library?.id ?? ""}
            key={library?.id ?? ""}
            className="input sm:w-48"
            data-testid="notebook-library-filter"
          />
        </Field>
        <button type="submit" className="btn" data-testid="notebook-search-submit">
          Search
        </button>
      </form>
      <div className="flex items-center justify-between text-sm text-stone-600">
        <p aria-live="polite" data-testid="notebook-count">
          {notebooks.length} {notebooks.length === 1 ? "notebook" : "notebooks"}
          {search ? ` matching “${search}”` : ""}
        </p>
        {filtered ? (
          <Link href="/notebooks" className="text-brand-700 hover:underline">
            Clear filters
          </Link>
        ) : null}
      </div>
      {notebooks.length === 0 ? (
        <div className="card flex flex-col items-center gap-2 px-6 py-12 text-center" data-testid="notebooks-empty">
          <p className="font-medium">{filtered ? "No notebooks match." : "No notebooks yet."}</p>
          <p className="text-sm text-stone-600">
            {filtered ? "Try another search or library." : "Create one here, or run a prompt in the template editor and keep the run with “Save as a notebook cell”."}
          </p>
        </div>
      ) : (
        <NotebookGrid notebooks={notebooks} />
      )}
    </div>
  );
}
