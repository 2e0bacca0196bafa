/**
 * The library filter form's fields as the URL it navigates to: "/?search=…&library=…", each value
 * trimmed, empty ones left out (so a cleared search leaves no `search=` behind), order kept.
 * Pure: unit-tested in tests/unit/library-filters.test.ts.
 */
export function filterQuery(fields: Iterable<readonly [string, string]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of fields) if (v.trim() !== "") q.set(k, v.trim());
  const qs = q.toString();
  return qs ? `/?${qs}` : "/";
}
