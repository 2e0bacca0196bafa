"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition, type ChangeEvent, type FormEvent } from "react";
import { Field, LibrarySelect } from "@/components/ui/Field";
import { filterQuery } from "./filter-query";

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

/** How long typing pauses before the list follows the search field. */
const TYPING_PAUSE_MS = 250;

/**
 * A GET form driving `?search=&library=&tag=`: the list follows the search field as you type (after
 * a short pause, replacing the URL rather than stacking history); selects apply on change; Enter or
 * Search applies at once. Works without JS too.
 */
export function FilterBar({ libraries, tags, search, libraryId, tag, view }: Props) {
  const router = useRouter();
  const form = useRef<HTMLFormElement>(null);
  const timer = useRef<number | undefined>(undefined);
  const [pending, startTransition] = useTransition();
  // The field is the user's while they type; a URL change that is not our own (Clear filters, Back) resets it.
  const [text, setText] = useState(search ?? "");
  const [seen, setSeen] = useState(search ?? "");
  const [sent, setSent] = useState(search ?? "");
  if ((search ?? "") !== seen) {
    setSeen(search ?? "");
    if ((search ?? "") !== sent) {
      setText(search ?? "");
      setSent(search ?? "");
    }
  }
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const go = (mode: "push" | "replace", searchText?: string) => {
    window.clearTimeout(timer.current);
    if (!form.current) return;
    const fields = [...new FormData(form.current)].flatMap(([k, v]) => (typeof v === "string" ? [[k, k === "search" && searchText !== undefined ? searchText : v] as [string, string]] : []));
    const href = filterQuery(fields);
    setSent(fields.find(([k]) => k === "search")?.[1].trim() ?? "");
    if (href === `${window.location.pathname}${window.location.search}`) return;
    startTransition(() => (mode === "push" ? router.push(href, { scroll: false }) : router.replace(href, { scroll: false })));
  };

  // Client navigation with empty fields left out of the URL; without JS the form still GETs "/".
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    go("push");
  };
  const onType = (e: ChangeEvent<HTMLInputElement>) => {
    const value = e.currentTarget.value;
    setText(value);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => go("replace", value), TYPING_PAUSE_MS);
  };
  const submit = (e: FormEvent<HTMLSelectElement>) => e.currentTarget.form?.requestSubmit();
  return (
    <form ref={form} action="/" method="get" onSubmit={onSubmit} className="flex flex-col gap-2 sm:flex-row sm:items-end" role="search" data-testid="filter-bar" aria-busy={pending}>
      {view && view !== "templates" ? <input type="hidden" name="view" value={view} /> : null}
      <Field htmlFor="search" label="Search by name" className="flex-1">
        <input
          id="search"
          name="search"
          type="search"
          value={text}
          onChange={onType}
          placeholder="e.g. caption, VQA…"
          className="input"
          autoComplete="off"
          data-testid="search-input"
          data-pending={pending ? "true" : "false"}
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
