"use client";

import { useEffect } from "react";
import { LEAVE_MESSAGE, leavesPage } from "./leave-guard";

type NavigationApi = { currentEntry?: { index: number } | null };
const entryIndex = (): number | null => (window as Window & { navigation?: NavigationApi }).navigation?.currentEntry?.index ?? null;

const here = () => ({ origin: window.location.origin, pathname: window.location.pathname, search: window.location.search });

/** One page with unsaved changes (the newest mounted guard speaks). */
interface Guard {
  message: string;
  page: { pathname: string; search: string };
  /** Where the page sits in the session history (Navigation API; null: unknown, a Back is assumed). */
  index: number | null;
  /** A popstate we caused by undoing a declined Back/Forward. */
  undoing: boolean;
  /** "Leave" was confirmed: a full page load that follows must not ask again. */
  confirmed: boolean;
}

const guards: Guard[] = [];
let installed = false;

/**
 * Back/Forward in the App Router is a popstate that the router handles at once (it unmounts the
 * page before any later listener runs), and the listeners of the window run in the order they were
 * added. So the one popstate listener is added before the router's: at startup (the top bar
 * imports this module and calls this), and as a fallback when a guard first becomes active.
 */
export function installLeaveGuard(): void {
  if (installed || typeof window === "undefined") return;
  installed = true;
  window.addEventListener("popstate", onPopState, true);
}

function onPopState(e: PopStateEvent): void {
  const g = guards[guards.length - 1];
  if (!g) return;
  if (g.undoing) {
    // Back where we were: the router never saw us leave.
    g.undoing = false;
    e.stopImmediatePropagation();
    return;
  }
  const now = here();
  // A #fragment on this page, or another entry of this very page: nothing is left.
  if (now.pathname === g.page.pathname && now.search === g.page.search) {
    g.index = entryIndex() ?? g.index;
    return;
  }
  if (window.confirm(g.message)) {
    g.confirmed = true;
    return;
  }
  e.stopImmediatePropagation();
  const at = entryIndex();
  g.undoing = true;
  window.history.go(g.index !== null && at !== null && at !== g.index ? g.index - at : 1);
}

/**
 * While `active` (unsaved changes), leaving asks first: closing or reloading the tab (the
 * browser's own prompt), and in-app navigation, which the App Router does without unloading:
 * clicks on same-origin links anywhere on the page (the top bar, breadcrumbs, any Link) and
 * Back/Forward. The App Router has no navigation events, so this listens on the window before it:
 * a declined link click is stopped before React (and Next's Link) see it; a declined Back/Forward
 * is undone by going the other way, unseen by the router.
 */
export function useLeaveWarning(active: boolean, message = LEAVE_MESSAGE): void {
  useEffect(() => {
    if (!active) return;
    installLeaveGuard();
    const { pathname, search } = here();
    const guard: Guard = { message, page: { pathname, search }, index: entryIndex(), undoing: false, confirmed: false };
    guards.push(guard);

    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!guard.confirmed) e.preventDefault();
    };

    // Capture on the window: before React's listeners on the document, so Next's Link never sees a declined click.
    const onClick = (e: MouseEvent) => {
      guard.confirmed = false;
      const a = e.target instanceof Element ? e.target.closest("a[href]") : null;
      if (!(a instanceof HTMLAnchorElement)) return;
      const leaving = leavesPage(
        { button: e.button, modifier: e.metaKey || e.ctrlKey || e.shiftKey || e.altKey, defaultPrevented: e.defaultPrevented },
        { href: a.href, target: a.getAttribute("target") ?? "", download: a.hasAttribute("download") },
        here(),
      );
      if (!leaving) return;
      if (window.confirm(message)) {
        guard.confirmed = true;
        return;
      }
      e.preventDefault();
      e.stopImmediatePropagation();
    };

    window.addEventListener("beforeunload", onBeforeUnload);
    window.addEventListener("click", onClick, true);
    return () => {
      guards.splice(guards.indexOf(guard), 1);
      window.removeEventListener("beforeunload", onBeforeUnload);
      window.removeEventListener("click", onClick, true);
    };
  }, [active, message]);
}
