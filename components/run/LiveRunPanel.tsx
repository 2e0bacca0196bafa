"use client";

import { useMemo } from "react";
import type { Bindings } from "@/lib/prompt/render";
import { TemplateSchema, type TemplateInput } from "@/lib/prompt/schema";
import { RunPanel, type RunSnapshot } from "./RunPanel";
import type { ReactNode } from "react";

interface Props {
  doc: TemplateInput;
  footer?: (run: RunSnapshot) => ReactNode;
  /** The caller's bindings (the editor's composer fills image variables into them). */
  bindings?: Bindings;
  onBind?(name: string, value: Bindings[string]): void;
}

/**
 * The Run panel for a document being edited (TemplateInput, defaults optional): runs the
 * current edits, saved or not. While the document does not parse, it says so instead of running a stale one.
 */
export function LiveRunPanel({ doc, footer, bindings, onBind }: Props) {
  const parsed = useMemo(() => TemplateSchema.safeParse(doc), [doc]);
  if (!parsed.success) {
    return (
      <section className="card p-4 text-sm text-stone-600" data-testid="run-panel-invalid">
        The template has problems; fix them to run it.
      </section>
    );
  }
  return <RunPanel template={parsed.data} footer={footer} {...(bindings ? { bindings } : {})} {...(onBind ? { onBind } : {})} />;
}
