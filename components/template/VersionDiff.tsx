import Link from "next/link";
import { diffLines } from "diff";
import type { TemplateVersionDetail } from "@/lib/store/types";

/** Pretty-printed JSON of two versions, diffed line by line. */
export function VersionDiff({ from, to, closeHref }: { from: TemplateVersionDetail; to: TemplateVersionDetail; closeHref: string }) {
  const changes = diffLines(JSON.stringify(from.document, null, 2) + "\n", JSON.stringify(to.document, null, 2) + "\n");
  const added = changes.filter((c) => c.added).reduce((n, c) => n + (c.count ?? 0), 0);
  const removed = changes.filter((c) => c.removed).reduce((n, c) => n + (c.count ?? 0), 0);
  return (
    <section className="card overflow-hidden" aria-labelledby="diff-heading" data-testid="version-diff">
      <header className="flex flex-wrap items-center justify-between gap-2 border-b border-stone-200 px-4 py-3">
        <h2 id="diff-heading" className="text-sm font-semibold">
          Changes from v{from.version} to v{to.version}{" "}
          <span className="font-normal text-emerald-700">+{added}</span> <span className="font-normal text-red-700">−{removed}</span>
        </h2>
        <Link href={closeHref} className="text-sm text-brand-700 hover:underline">
          Close diff
        </Link>
      </header>
      {added + removed === 0 ? (
        <p className="px-4 py-3 text-sm text-stone-600">These versions have the same content.</p>
      ) : (
        <pre className="max-h-[32rem] overflow-auto py-2 font-mono text-xs leading-5">
          {changes.map((c, i) => {
            const lines = c.value.replace(/\n$/, "").split("\n");
            const sign = c.added ? "+" : c.removed ? "−" : " ";
            const cls = c.added ? "bg-emerald-50 text-emerald-900" : c.removed ? "bg-red-50 text-red-900" : "text-stone-600";
            return lines.map((line, j) => (
              <div key={`${i}-${j}`} className={`px-4 ${cls}`} data-diff={c.added ? "added" : c.removed ? "removed" : "same"}>
                <span aria-hidden className="mr-3 select-none opacity-60">
                  {sign}
                </span>
                <span className="sr-only">{c.added ? "added: " : c.removed ? "removed: " : ""}</span>
                {line}
              </div>
            ));
          })}
        </pre>
      )}
    </section>
  );
}
