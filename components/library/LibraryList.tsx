import Link from "next/link";
import type { LibrarySummary } from "@/lib/store/types";
import { hrefWith } from "@/components/ui/format";
import { DeleteLibraryButton } from "./DeleteLibraryButton";

/** The libraries, each a filter link with its template count, an export link and (user libraries) a delete button. */
export function LibraryList({ libraries, activeId, view }: { libraries: LibrarySummary[]; activeId?: string; view?: "templates" | "notebooks" }) {
  const tab = view === "notebooks" ? "notebooks" : undefined;
  return (
    <ul className="flex flex-col gap-0.5" data-testid="library-list">
      <li>
        <Link
          href={hrefWith("/", { view: tab })}
          aria-current={!activeId ? "page" : undefined}
          className={`flex items-center justify-between rounded-md px-2 py-1.5 text-sm ${!activeId ? "bg-brand-50 font-medium text-brand-700" : "text-stone-700 hover:bg-stone-100"}`}
        >
          All libraries
        </Link>
      </li>
      {libraries.map((l) => {
        const active = l.id === activeId;
        return (
          <li key={l.id} className="group flex flex-wrap items-center gap-1" data-testid="library-item" data-library-id={l.id}>
            <Link
              href={hrefWith("/", { library: l.id, view: tab })}
              aria-current={active ? "page" : undefined}
              className={`flex min-w-0 flex-1 items-center justify-between gap-2 rounded-md px-2 py-1.5 text-sm ${active ? "bg-brand-50 font-medium text-brand-700" : "text-stone-700 hover:bg-stone-100"}`}
              title={l.description || undefined}
            >
              <span className="truncate">{l.name}</span>
              <span className="shrink-0 text-xs text-stone-500">{l.templateCount}</span>
            </Link>
            <a
              href={`/api/libraries/${encodeURIComponent(l.id)}/export`}
              download
              className="shrink-0 rounded-md px-1.5 py-1 text-xs text-stone-500 hover:bg-stone-100 hover:text-stone-900"
              aria-label={`Export library ${l.name}`}
              title={`Export "${l.name}" as a JSON file`}
              data-testid="export-library-link"
            >
              Export
            </a>
            <DeleteLibraryButton library={l} active={active} />
          </li>
        );
      })}
    </ul>
  );
}
