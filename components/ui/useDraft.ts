"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { draftKey, encodeDraft, loadDraft, newerDraftVersion, safely, type DraftKind } from "./drafts";

interface Options<T> {
  /** The document, and the version its edits start from (none: a new template). */
  doc: { kind: DraftKind; id: string; version?: number };
  /** The document as it is now. */
  value: T;
  /** Whether `value` has unsaved changes (a draft is kept only then). */
  dirty: boolean;
  /** A stored value as a document, or null to ignore it (not readable any more, or nothing to restore). */
  accept(stored: unknown): T | null;
  /** Put a restored draft into the page. */
  restore(value: T): void;
  /**
   * This browser kept a draft based on a newer version than the page shows: the page is out of date
   * (restored from the router's history cache after a save). Fetch it afresh (router.refresh()).
   */
  outdated?(): void;
}

export interface DraftState {
  /** When the draft restored on opening was written; null when none was (or the notice was closed). */
  restoredAt: number | null;
  /** Close the "restored" notice (the draft stays while there are unsaved changes). */
  dismiss(): void;
  /** Remove the draft and keep no more (after a successful save, before leaving the page). */
  clear(): void;
}

const storage = (): Storage | null => safely(() => window.localStorage, null);

/**
 * Keeps the unsaved document in localStorage (drafts.ts: per document and base version) while it
 * is dirty (removed once it is not), and restores a draft found there when the page opens. A base
 * version that changes (the document was saved) drops the draft kept under the old one.
 */
export function useDraft<T>({ doc, value, dirty, accept, restore, outdated }: Options<T>): DraftState {
  const key = draftKey(doc.kind, doc.id, doc.version);
  const [ready, setReady] = useState(false);
  const [restoredAt, setRestoredAt] = useState<number | null>(null);
  const written = useRef<string | null>(null);
  const stopped = useRef(false);
  const keyRef = useRef(key);
  const callbacks = useRef({ accept, restore, outdated });
  useEffect(() => {
    callbacks.current = { accept, restore, outdated };
  });
  const docRef = useRef(doc);

  // Once, after hydration (the server has no localStorage): offer what was left here.
  useEffect(() => {
    const s = storage();
    const { kind, id, version } = docRef.current;
    // An out-of-date page is fetched afresh; the fresh one (mounted anew) restores the newer draft.
    if (s && version !== undefined && callbacks.current.outdated && safely(() => newerDraftVersion(s, kind, id, version, Date.now()), null) !== null) callbacks.current.outdated();
    const draft = s ? loadDraft<unknown>(s, keyRef.current, Date.now()) : null;
    const doc = draft ? callbacks.current.accept(draft.value) : null;
    if (draft && doc !== null) {
      written.current = JSON.stringify(draft.value);
      callbacks.current.restore(doc);
      setRestoredAt(draft.savedAt);
    } else if (draft && s) {
      safely(() => s.removeItem(keyRef.current), undefined);
    }
    setReady(true);
  }, []);

  useEffect(() => {
    if (!ready || stopped.current) return;
    const s = storage();
    if (!s) return;
    if (keyRef.current !== key) {
      // Saved as a new version: the old version's draft is done with.
      const old = keyRef.current;
      safely(() => s.removeItem(old), undefined);
      keyRef.current = key;
      written.current = null;
    }
    if (!dirty) {
      if (written.current !== null || safely(() => s.getItem(key), null) !== null) safely(() => s.removeItem(key), undefined);
      written.current = null;
      return;
    }
    const json = JSON.stringify(value);
    // Unchanged since the last write (or the restore): keep its time.
    if (json === written.current) return;
    safely(() => s.setItem(key, encodeDraft(value, Date.now())), undefined);
    written.current = json;
  }, [ready, key, value, dirty]);

  const dismiss = useCallback(() => setRestoredAt(null), []);
  const clear = useCallback(() => {
    stopped.current = true;
    setRestoredAt(null);
    const s = storage();
    if (s) safely(() => s.removeItem(keyRef.current), undefined);
  }, []);

  return { restoredAt, dismiss, clear };
}
