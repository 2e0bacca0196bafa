/**
 * Which clicks leave the page, for the unsaved-changes guard (useLeaveWarning). Pure: unit-tested.
 */

export interface ClickFacts {
  /** The mouse button (0: main); keyboard activation reports 0. */
  button: number;
  modifier: boolean;
  defaultPrevented: boolean;
}

export interface AnchorFacts {
  /** The resolved href (anchor.href), "" when none. */
  href: string;
  /** The target attribute ("" when none). */
  target: string;
  download: boolean;
}

/**
 * Whether following this link, as clicked, replaces the page in this tab with another page of
 * the app: same origin, another path or query (a #fragment on the same page stays), main button
 * without modifiers (those open new tabs), not a download or another window.
 */
export function leavesPage(click: ClickFacts, a: AnchorFacts, here: { origin: string; pathname: string; search: string }): boolean {
  if (click.defaultPrevented || click.button !== 0 || click.modifier) return false;
  if (!a.href || a.download) return false;
  if (a.target && a.target !== "_self") return false;
  let url: URL;
  try {
    url = new URL(a.href);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  // Another site is a real unload: the browser's beforeunload prompt covers it.
  if (url.origin !== here.origin) return false;
  return url.pathname !== here.pathname || url.search !== here.search;
}

export const LEAVE_MESSAGE = "You have unsaved changes. Leave this page?\n\nThey are kept as a draft in this browser and offered again when you come back.";
