"use client";

import { useRouter } from "next/navigation";
import type { FormEvent } from "react";
import { Field, LibrarySelect } from "@/components/ui/Field";

interface Props {
  libraries: { id: string; name: string }[];
  /** Tags to filter by; none for notebooks, which have no tags. */
  tags?: string[];
  search?: string;
  libraryId?: string;
  tag?: string;
  /** The library browser's tab ("notebooks"); kept across searches. */
  view?: string;
}

/** A GET form driving `?search=&library=&tag=`; selects apply on change. Works without JS too. */
export function FilterBar({ libraries, tags, search, libraryId, tag, view }: Props) {
  const router = useRouter();
  // Client navigation with empty fields left out of the URL; without JS the form still GETs "/".
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(e.currentTarget)) if (typeof v === "string" && v.trim() !== "") q.set(k, v.trim());
    const qs = q.toString();
    router.push(qs ? `/?${qs}` : "/");
  };
  const submit = (e: FormEvent<HTMLSelectElement>) => e.currentTarget.form?.requestSubmit();
  return (
    <form action="/" method="get" onSubmit={onSubmit} className="flex flex-col gap-2 sm:flex-row sm:items-end" role="search" data-testid="filter-bar">
      {view && view !== "templates" ? <input type="hidden" name="view" value={view} /> : null}
      <Field htmlFor="search" label="Search by name" className="flex-1">
        <input
          id="search"
          name="search"
          type="search"
          defaultValue={search}
          placeholder="e.g. caption, VQA…"
          className="input"
          data-testid="search-input"
          // Remount when the URL changes (e.g. "Clear filters") so the field follows it.
          key={search ?? ""}
        />
      </Field>
      <div className="grid grid-cols-2 gap-2 sm:flex">
        <Field htmlFor="library" label="Library">
          <LibrarySelect
            id="library"
            name="library"
            libraries={libraries}
            allLabel="All libraries"
            defaultValue={libraryId ?? ""}
            onChange={submit}
            className="input sm:w-44"
            data-testid="library-filter"
            key={libraryId ?? ""}
          />
        </Field>
        {tags ? (
          <Field htmlFor="tag" label="Tag">
            <select id="tag" name="tag" defaultValue={tag ?? ""} onChange={submit} className="input sm:w-40" data-testid="tag-filter" key={tag ?? ""}>
              <option value="">All tags</option>
              {tags.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
      </div>
      <button type="submit" className="btn" data-testid="search-submit">
        Search
      </button>
    </form>
  );
}
