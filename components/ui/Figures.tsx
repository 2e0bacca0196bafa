import type { ReactNode } from "react";

export interface Figure {
  label: string;
  value: ReactNode;
  testId: string;
}

/** Small label/value pairs in a wrapping row (run figures, a sweep's settings); `tabular` lines up digits. */
export function Figures({ items, tabular = true }: { items: Figure[]; tabular?: boolean }) {
  return (
    <dl className="flex flex-wrap gap-x-5 gap-y-1 text-xs">
      {items.map((i) => (
        <div key={i.testId} className="flex gap-1.5">
          <dt className="text-stone-500">{i.label}</dt>
          <dd className={tabular ? "font-medium tabular-nums text-stone-900" : "font-medium text-stone-900"} data-testid={i.testId}>
            {i.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}
