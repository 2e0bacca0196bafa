import type { Metadata } from "next";
import { cache } from "react";
import { getNotebook, getTemplate, getTemplateVersion, listCellRuns, listTemplates } from "@/lib/store";
import { isAppError } from "@/lib/errors";
import { templateIdsOf } from "@/lib/notebook/ops";
import { NotebookEditor } from "@/components/notebook/NotebookEditor";
import { ShareControl } from "@/components/sharing/ShareControl";
import { refKey, type TemplateDocs } from "@/components/notebook/template-refs";
import { orNotFound, pageCaller } from "../../not-found-guard";

export const dynamic = "force-dynamic";

const loadNotebook = cache(getNotebook);

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  try {
    await pageCaller({ notebook: id });
    return { title: (await loadNotebook(id)).name };
  } catch {
    return { title: "Notebook" };
  }
}

/** The templates the cells use, resolved here so the page opens ready to run. */
async function resolveTemplates(nb: Awaited<ReturnType<typeof getNotebook>>): Promise<TemplateDocs> {
  const docs: TemplateDocs = {};
  const latest = new Map<string, Awaited<ReturnType<typeof getTemplate>> | null>();
  for (const id of templateIdsOf(nb.document)) latest.set(id, await getTemplate(id).catch((e: unknown) => (isAppError(e) && e.code === "not_found" ? null : Promise.reject(e))));
  for (const cell of nb.document.cells) {
    if (cell.prompt.kind !== "template") continue;
    const { templateId, version } = cell.prompt;
    const key = refKey(templateId, version);
    const t = latest.get(templateId);
    if (docs[key]) continue;
    if (!t) {
      docs[key] = { status: "error", error: `The template this cell uses (${templateId}) was deleted; pick another one.` };
      continue;
    }
    if (version === "latest" || version === t.latestVersion) {
      docs[key] = { status: "ready", template: t.document, version: t.latestVersion, latestVersion: t.latestVersion, name: t.name };
    } else {
      const v = await getTemplateVersion(templateId, version).catch(() => null);
      docs[key] = v
        ? { status: "ready", template: v.document, version: v.version, latestVersion: t.latestVersion, name: t.name }
        : { status: "error", error: `"${t.name}" has no version ${version}; pick another version.` };
    }
  }
  return docs;
}

export default async function NotebookPage({ params }: { params: Params }) {
  const { id } = await params;
  await pageCaller({ notebook: id });
  const notebook = await orNotFound(loadNotebook(id));
  const [runs, templates, templateDocs] = await Promise.all([listCellRuns(notebook.id), listTemplates({}), resolveTemplates(notebook)]);
  const share = <ShareControl kind="notebook" id={notebook.id} name={notebook.name} />;
  return (
    <>
      {/* Shared deployments: admins and owners share the notebook read-only (nothing renders otherwise). */}
      <div className="mb-2 flex justify-end empty:hidden">{share}</div>
      <NotebookEditor key={notebook.latestVersion} notebook={notebook} runs={runs} templates={templates} templateDocs={templateDocs} />
    </>
  );
}
