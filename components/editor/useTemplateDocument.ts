"use client";

import { useCallback, useState } from "react";
import { ensureIds, type Doc } from "@/components/composer/document-ops";
import { readSource, toSource, type SourceRead } from "./source-sync";
import { STARTER_TEMPLATE } from "./starter";

interface State {
  /** The source text: what is saved. */
  text: string;
  /** How the text reads as a document. */
  read: SourceRead;
  /** What the composer shows: the text's document, or the last good one while the text is broken. */
  doc: Doc;
}

function initial(text: string): State {
  const read = readSource(text);
  return { text, read, doc: read.ok ? read.doc : STARTER_TEMPLATE };
}

/**
 * ONE document, two views. Source edits set the text (and the document when the
 * text reads as one); composer edits change the document and write its text.
 * While the source is broken, composer edits are refused rather than
 * overwriting the user's text.
 */
export function useTemplateDocument(initialText: string) {
  const [state, setState] = useState(() => initial(initialText));

  const setSource = useCallback((text: string) => {
    setState((s) => {
      if (text === s.text) return s;
      const read = readSource(text);
      return { text, read, doc: read.ok ? read.doc : s.doc };
    });
  }, []);

  const edit = useCallback((op: (doc: Doc) => Doc) => {
    setState((s) => {
      if (!s.read.ok) return s;
      const base = ensureIds(s.doc);
      const doc = op(base);
      if (doc === base && base === s.doc) return s;
      return { text: toSource(doc), read: { ok: true, doc }, doc };
    });
  }, []);

  /** Drop a broken source edit: back to the composer's document. */
  const revertSource = useCallback(() => setState((s) => ({ text: toSource(s.doc), read: { ok: true, doc: s.doc }, doc: s.doc })), []);

  return { ...state, setSource, edit, revertSource };
}
