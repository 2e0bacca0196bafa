import { redirect } from "next/navigation";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** `/library` is an alias of the browser at `/`, keeping its filters. */
export default async function LibraryAlias({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(sp)) for (const one of Array.isArray(v) ? v : v ? [v] : []) q.append(k, one);
  const s = q.toString();
  redirect(s ? `/?${s}` : "/");
}
