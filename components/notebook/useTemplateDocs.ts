"use client";

import { useEffect, useRef, useState } from "react";
import { apiFetch } from "@/lib/api-client";
import type { Notebook } from "@/lib/notebook/schema";
import type { TemplateDetail, TemplateVersionDetail } from "@/lib/store/types";
import { refKey, type ResolvedTemplate, type TemplateDocs } from "./template-refs";

export { refKey, type ResolvedTemplate, type TemplateDocs };

async function load(key: string): Promise<ResolvedTemplate> {
  const at = key.lastIndexOf("@");
  const [id, version] = [key.slice(0, at), key.slice(at + 1)];
  const url = `/api/templates/${encodeURIComponent(id)}`;
  const { template: t } = await apiFetch<{ template: TemplateDetail }>(url);
  if (version === "latest") return { status: "ready", template: t.document, version: t.latestVersion, latestVersion: t.latestVersion, name: t.name };
  const { version: v } = await apiFetch<{ version: TemplateVersionDetail }>(`${url}/versions/${version}`);
  return { status: "ready", template: v.document, version: v.version, latestVersion: t.latestVersion, name: t.name };
}

/**
 * The template documents the notebook's cells use, seeded by the server page; a cell that picks
 * another template or version has it fetched (once per template and version).
 */
export function useTemplateDocs(doc: Notebook, initial: TemplateDocs): TemplateDocs {
  const [docs, setDocs] = useState<TemplateDocs>(initial);
  const requested = useRef(new Set(Object.keys(initial)));
  const keys = doc.cells.flatMap((c) => (c.prompt.kind === "template" ? [refKey(c.prompt.templateId, c.prompt.version)] : []));
  const missing = keys.filter((k) => !(k in docs)).join("\n");

  useEffect(() => {
    if (!missing) return;
    for (const key of missing.split("\n")) {
      if (requested.current.has(key)) continue;
      requested.current.add(key);
      load(key).then(
        (r) => setDocs((d) => ({ ...d, [key]: r })),
        (error: unknown) => setDocs((d) => ({ ...d, [key]: { status: "error", error } })),
      );
    }
  }, [missing]);
  return docs;
}
