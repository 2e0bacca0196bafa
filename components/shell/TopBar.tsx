import Link from "next/link";
import { NavLink } from "./NavLink";
import { AccountArea } from "@/components/account/AccountArea";

const NAV: { href: string; label: string; match: string[] }[] = [
  { href: "/", label: "Library", match: ["/", "/library", "/templates"] },
  { href: "/notebooks", label: "Notebooks", match: ["/notebooks"] },
  { href: "/datasets", label: "Datasets", match: ["/datasets"] },
  { href: "/sweeps", label: "Comparisons", match: ["/sweeps"] },
  { href: "/engines", label: "Engines", match: ["/engines"] },
];

export function TopBar() {
  return (
    <header className="sticky top-0 z-30 border-b border-stone-200 bg-white/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-7xl items-center gap-2 px-4 sm:gap-6 sm:px-6">
        <Link href="/" className="flex shrink-0 items-center gap-2 font-semibold tracking-tight text-stone-900" data-testid="brand">
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src="/icon.svg" alt="" width={24} height={24} className="size-6" />
          {/* Phones: the icon alone, so the five sections fit beside it. */}
          <span className="max-sm:sr-only">Flamingo Studio</span>
        </Link>
        {/* Phones: 12px, tighter letters and 4px link padding, so all five fit in 390 px (DejaVu Sans, the widest default). */}
        <nav aria-label="Main" className="flex min-w-0 items-center overflow-x-auto text-xs tracking-tight max-sm:[&>a]:px-1 sm:gap-1 sm:text-sm sm:tracking-normal">
          {NAV.map((item) => (
            <NavLink key={item.href} href={item.href} match={item.match}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <AccountArea />
      </div>
    </header>
  );
}
