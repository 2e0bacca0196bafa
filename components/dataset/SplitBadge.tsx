import type { DatasetSplit } from "@/lib/store/types";

const STYLE: Record<DatasetSplit, { label: string; cls: string; title: string }> = {
  pool: { label: "pool", cls: "bg-sky-100 text-sky-800", title: "Demonstration pool: shots are drawn from these" },
  eval: { label: "eval", cls: "bg-amber-100 text-amber-900", title: "Evaluation set: the queries a comparison scores" },
};

export function SplitBadge({ split }: { split: DatasetSplit }) {
  const s = STYLE[split];
  return (
    <span className={`inline-flex items-center rounded-full px-1.5 py-0.5 text-[11px] font-semibold uppercase tracking-wide ${s.cls}`} title={s.title} data-testid="split-badge">
      {s.label}
    </span>
  );
}
