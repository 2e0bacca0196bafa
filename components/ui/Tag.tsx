import Link from "next/link";

export function Tag({ tag, href, active }: { tag: string; href?: string; active?: boolean }) {
  const cls = `inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${
    active ? "bg-brand-600 text-white" : "bg-stone-100 text-stone-700"
  }`;
  if (!href) return <span className={cls}>{tag}</span>;
  return (
    <Link href={href} prefetch={false} className={`${cls} hover:bg-brand-100 hover:text-brand-700`} data-testid="tag-link">
      {tag}
    </Link>
  );
}
