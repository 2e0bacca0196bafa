import Link from "next/link";
import { hrefWith } from "@/components/ui/format";

interface Props {
  view: "templates" | "notebooks";
  /** The current filters, kept when switching. */
  params: { library?: string; search?: string; tag?: string };
  templateCount: number;
  notebookCount: number;
}

/** Templates | Notebooks: what the library browser lists, with how many of each match. */
export function LibraryViewTabs({ view, params, templateCount, notebookCount }: Props) {
  const tab = (v: Props["view"], label: string, count: number) => (
    <Link
      href={hrefWith("/", { ...params, view: v === "notebooks" ? "notebooks" : undefined })}
      aria-current={view === v ? "page" : undefined}
      className={`flex flex-1 items-center justify-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium sm:flex-none ${
        view === v ? "bg-white text-stone-900 shadow-xs" : "text-stone-600 hover:text-stone-900"
      }`}
      data-testid={`library-view-${v}`}
    >
      {label}
      <span className="rounded-full bg-stone-200/80 px-1.5 text-xs tabular-nums text-stone-600">{count}</span>
    </Link>
  );
  return (
    <nav aria-label="Show" className="flex gap-1 self-start rounded-lg bg-stone-200/70 p-1 max-sm:self-stretch" data-testid="library-view-tabs">
      {tab("templates", "Templates", templateCount)}
      {tab("notebooks", "Notebooks", notebookCount)}
    </nav>
  );
}
