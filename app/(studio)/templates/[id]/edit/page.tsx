import type { Metadata } from "next";
import { getTemplate, getTemplateVersion } from "@/lib/store";
import { TemplateEditor } from "@/components/editor/TemplateEditor";
import { ensureIds, type Doc } from "@/components/composer/document-ops";
import { toSource } from "@/components/editor/starter";
import { Breadcrumb } from "@/components/ui/Breadcrumb";
import { firstParam } from "@/components/ui/format";
import { orNotFound, pageCaller, versionParam } from "../../../not-found-guard";

export const metadata: Metadata = { title: "Edit template" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** `?from=N` starts from version N's text; the save still builds on the latest version. */
export default async function EditTemplatePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: SearchParams }) {
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  await pageCaller({ template: id }, "write", { refusedTo: `/templates/${encodeURIComponent(id)}` });
  const template = await orNotFound(getTemplate(id));
  const from = versionParam(firstParam(sp.from));
  const start = from !== undefined && from !== template.latestVersion ? await orNotFound(getTemplateVersion(template.id, from)) : null;
  const back = `/templates/${encodeURIComponent(template.id)}`;
  return (
    <div className="flex flex-col gap-4">
      <header>
        <Breadcrumb items={[{ label: template.name, href: back }, { label: "edit" }]} />
        <h1 className="text-2xl font-semibold tracking-tight">
          Edit template{" "}
          <span className="text-base font-normal text-stone-500">
            {start ? `starting from v${start.version}, saving after v${template.latestVersion}` : `from v${template.latestVersion}`}
          </span>
        </h1>
      </header>
      <TemplateEditor
        // A new latest version remounts the editor with fresh text.
        key={`${template.latestVersion}-${start?.version ?? "latest"}`}
        target={{ mode: "edit", templateId: template.id, baseVersion: template.latestVersion, startVersion: start?.version }}
        // Ids give the composer stable drag-and-drop keys; they are saved with the next version.
        initialText={toSource(ensureIds((start ? start.document : template.document) as Doc))}
        cancelHref={back}
      />
    </div>
  );
}
