"use client";

import type { useRouter } from "next/navigation";

type Router = ReturnType<typeof useRouter>;

/**
 * Go to `href` showing fresh server data: a push when it is another page (dynamic
 * pages are fetched anew), a refresh when we are already there. Doing both
 * aborts the first request.
 */
export function navigateFresh(router: Router, href: string): void {
  const here = `${window.location.pathname}${window.location.search}`;
  if (here === href) router.refresh();
  else router.push(href);
}
