"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { installLeaveGuard } from "@/components/ui/useLeaveWarning";

// On every page, before the App Router's own popstate listener: unsaved pages can then stop Back/Forward.
installLeaveGuard();

interface Props {
  href: string;
  /** Path prefixes that count as "this section" ("/" matches only itself). */
  match: string[];
  children: ReactNode;
}

export function NavLink({ href, match, children }: Props) {
  const pathname = usePathname();
  const active = match.some((m) => (m === "/" ? pathname === "/" : pathname === m || pathname.startsWith(`${m}/`)));
  return (
    <Link
      href={href}
      aria-current={active ? "page" : undefined}
      className={`shrink-0 rounded-md px-1.5 py-1.5 font-medium whitespace-nowrap transition-colors sm:px-2.5 ${
        active ? "bg-brand-50 text-brand-700" : "text-stone-600 hover:bg-stone-100 hover:text-stone-900"
      }`}
    >
      {children}
    </Link>
  );
}
