/**
 * Unsaved documents kept in the browser (localStorage), so that leaving the template editor or a
 * notebook never loses work: one draft per document and the version it was based on, restored
 * when the user comes back, cleared on save. Pure (the storage is passed in): unit-tested.
 */

/** Every draft key starts with this; nothing else of ours lives under it. */
export const DRAFT_PREFIX = "flamingo-studio:draft:";

/** Drafts older than this are dropped unread (two weeks). */
export const DRAFT_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

/** What a draft belongs to: a template (by id, or "new" on the new-template page) or a notebook. */
export type DraftKind = "template" | "notebook";

/**
 * "flamingo-studio:draft:template:<id>@v3": the document and the version its edits started from. A
 * draft based on an older version is not offered on a newer one (someone saved in between). A new
 * template has no id or version: "flamingo-studio:draft:template:new".
 */
export function draftKey(kind: DraftKind, id: string, baseVersion?: number): string {
  return `${DRAFT_PREFIX}${kind}:${encodeURIComponent(id)}${baseVersion === undefined ? "" : `@v${baseVersion}`}`;
}

/**
 * The newest version above `version` that a (readable, unexpired) draft of this document was
 * based on; null when none. Such a draft means the page shows an older version than this browser
 * last edited from: a page restored from the history cache after a save.
 */
export function newerDraftVersion(storage: DraftStorage, kind: DraftKind, id: string, version: number, now: number, maxAgeMs = DRAFT_MAX_AGE_MS): number | null {
  const prefix = `${DRAFT_PREFIX}${kind}:${encodeURIComponent(id)}@v`;
  let newest: number | null = null;
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (!key?.startsWith(prefix)) continue;
    const v = Number(key.slice(prefix.length));
    if (Number.isInteger(v) && v > version && (newest === null || v > newest) && decodeDraft(storage.getItem(key), now, maxAgeMs)) newest = v;
  }
  return newest;
}

export interface Draft<T> {
  /** When the draft was last written (ms since the epoch). */
  savedAt: number;
  value: T;
}

export function encodeDraft<T>(value: T, savedAt: number): string {
  return JSON.stringify({ v: 1, savedAt, value });
}

/**
 * A stored draft, or null when there is none, it does not read (another format, corrupt), it is
 * older than `maxAgeMs`, or it comes from the future (a clock set back: treated as unknown).
 */
export function decodeDraft<T = unknown>(raw: string | null | undefined, now: number, maxAgeMs = DRAFT_MAX_AGE_MS): Draft<T> | null {
  if (!raw) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { v, savedAt, value } = parsed as { v?: unknown; savedAt?: unknown; value?: unknown };
  if (v !== 1 || typeof savedAt !== "number" || !Number.isFinite(savedAt) || value === undefined) return null;
  if (now - savedAt > maxAgeMs || savedAt - now > 60_000) return null;
  return { savedAt, value: value as T };
}

/** The part of Storage the drafts use (window.localStorage, or a Map-backed fake in tests). */
export interface DraftStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Our draft keys whose drafts are expired or unreadable (to remove). */
export function staleDraftKeys(storage: DraftStorage, now: number, maxAgeMs = DRAFT_MAX_AGE_MS): string[] {
  const stale: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(DRAFT_PREFIX) && !decodeDraft(storage.getItem(key), now, maxAgeMs)) stale.push(key);
  }
  return stale;
}

/** Storage can be missing (private modes), full or refuse access: drafts are best effort. */
export function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** Read a draft, dropping it (and every other stale draft) when it is too old or unreadable. */
export function loadDraft<T>(storage: DraftStorage, key: string, now: number, maxAgeMs = DRAFT_MAX_AGE_MS): Draft<T> | null {
  return safely(() => {
    for (const k of staleDraftKeys(storage, now, maxAgeMs)) storage.removeItem(k);
    return decodeDraft<T>(storage.getItem(key), now, maxAgeMs);
  }, null);
}

/**
 * "14:05" for a draft from today, "3 Mar, 14:05" for an older one, in the browser's time zone
 * (`timeZone` for tests).
 */
export function draftTimeLabel(savedAt: number, now: number, timeZone?: string): string {
  const opts = timeZone ? { timeZone } : {};
  const day = (t: number) => new Intl.DateTimeFormat("en-GB", { ...opts, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(t));
  const time = new Intl.DateTimeFormat("en-GB", { ...opts, hour: "2-digit", minute: "2-digit" }).format(new Date(savedAt));
  if (day(savedAt) === day(now)) return time;
  return `${new Intl.DateTimeFormat("en-GB", { ...opts, day: "numeric", month: "short" }).format(new Date(savedAt))}, ${time}`;
}
