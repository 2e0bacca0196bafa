import Link from "next/link";
import { diffLines, type ChangeObject } from "diff";
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
          {toRows(changes).map((row, i) =>
            row.kind === "gap" ? (
              <div key={i} className="bg-stone-100 px-4 text-stone-500" data-diff="gap">
                ⋯ {row.count} unchanged {row.count === 1 ? "line" : "lines"}
              </div>
            ) : (
              <div key={i} className={`px-4 ${ROW_CLS[row.kind]}`} data-diff={row.kind}>
                <span aria-hidden className="mr-3 select-none opacity-60">
                  {row.kind === "added" ? "+" : row.kind === "removed" ? "−" : " "}
                </span>
                <span className="sr-only">{row.kind === "added" ? "added: " : row.kind === "removed" ? "removed: " : ""}</span>
                {row.text}
              </div>
            ),
          )}
        </pre>
      )}
    </section>
  );
}

const CONTEXT = 3;
const ROW_CLS = { added: "bg-emerald-50 text-emerald-900", removed: "bg-red-50 text-red-900", same: "text-stone-600" } as const;
type Row = { kind: "added" | "removed" | "same"; text: string } | { kind: "gap"; count: number };

/** Diff lines with long unchanged runs folded to CONTEXT lines either side. */
function toRows(changes: ChangeObject<string>[]): Row[] {
  const rows: Row[] = [];
  changes.forEach((c, idx) => {
    const lines = c.value.replace(/\n$/, "").split("\n");
    if (c.added || c.removed) {
      for (const text of lines) rows.push({ kind: c.added ? "added" : "removed", text });
      return;
    }
    const head = idx === 0 ? 0 : CONTEXT;
    const tail = idx === changes.length - 1 ? 0 : CONTEXT;
    if (lines.length <= head + tail + 1) {
      for (const text of lines) rows.push({ kind: "same", text });
      return;
    }
    for (const text of lines.slice(0, head)) rows.push({ kind: "same", text });
    rows.push({ kind: "gap", count: lines.length - head - tail });
    for (const text of lines.slice(lines.length - tail)) rows.push({ kind: "same", text });
  });
  return rows;
}
