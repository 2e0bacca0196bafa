import Link from "next/link";
import { Fragment } from "react";

export interface Crumb {
  label: string;
  /** A link when set; the current page's own crumb usually has none. */
  href?: string;
  testId?: string;
}

/** "Parent / Child" trail above a page's title, each step a link back. */
export function Breadcrumb({ items }: { items: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="text-sm text-stone-500">
      {items.map((c, i) => (
        <Fragment key={i}>
          {i > 0 ? (
            <span aria-hidden className="mx-1.5">
              /
            </span>
          ) : null}
          {c.href ? (
            <Link href={c.href} className="hover:text-stone-900 hover:underline" data-testid={c.testId}>
              {c.label}
            </Link>
          ) : (
            <span data-testid={c.testId}>{c.label}</span>
          )}
        </Fragment>
      ))}
    </nav>
  );
}
