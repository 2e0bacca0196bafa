import type { Metadata } from "next";
import Link from "next/link";
import { cache } from "react";
import { notFound } from "next/navigation";
import { allowed } from "@/lib/auth";
import { getTemplate, getTemplateVersion, listLibraries } from "@/lib/store";
import { PromptStrip } from "@/components/template/PromptStrip";
import { SerializedPrompt } from "@/components/template/SerializedPrompt";
import { TemplateHeader } from "@/components/template/TemplateHeader";
import { TemplateSidebar } from "@/components/template/TemplateSidebar";
import { VersionDiff } from "@/components/template/VersionDiff";
import { VersionList } from "@/components/template/VersionList";
import { RestoreButton } from "@/components/template/RestoreButton";
import { RunPanel } from "@/components/run/RunPanel";
import { ShareControl } from "@/components/sharing/ShareControl";
import { firstParam, hrefWith } from "@/components/ui/format";
import { listScope, orNotFound, pageCaller, versionParam } from "../../not-found-guard";

export const dynamic = "force-dynamic";

/** One read per request, shared by the metadata and the page. */
const loadTemplate = cache(getTemplate);

type Params = Promise<{ id: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  try {
    await pageCaller({ template: id });
    return { title: (await loadTemplate(id)).name };
  } catch {
    return { title: "Template" };
  }
}

export default async function TemplatePage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  const caller = await pageCaller({ template: id });
  const [template, libraries] = await Promise.all([orNotFound(loadTemplate(id)), listLibraries({ workspaces: listScope(caller) })]);
  const base = `/templates/${encodeURIComponent(template.id)}`;
  const latest = template.latestVersion;

  const requested = versionParam(firstParam(sp.version));
  if (requested !== undefined && !template.versions.some((v) => v.version === requested)) notFound();
  const viewing = requested ?? latest;
  const shown = viewing === latest ? { document: template.document } : await orNotFound(getTemplateVersion(template.id, viewing));

  const from = versionParam(firstParam(sp.from));
  const to = versionParam(firstParam(sp.to));
  const has = (v: number | undefined) => v !== undefined && template.versions.some((x) => x.version === v);
  const diff = has(from) && has(to) ? { from: from!, to: to! } : undefined;
  const [diffFrom, diffTo] = diff
    ? await Promise.all([getTemplateVersion(template.id, diff.from), getTemplateVersion(template.id, diff.to)])
    : [undefined, undefined];

  return (
    <div className="flex flex-col gap-6">
      <TemplateHeader
        template={template}
        document={shown.document}
        viewing={viewing}
        editable={await allowed(caller, "write", { template: template.id })}
        actions={<ShareControl kind="template" id={template.id} name={template.name} />}
      />

      {viewing !== latest ? (
        <div className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="status" data-testid="old-version-banner">
          <p>
            You are viewing <strong>version {viewing}</strong> of {latest}.{" "}
            <Link href={base} className="font-medium underline">
              Back to the latest
            </Link>
          </p>
          <RestoreButton templateId={template.id} version={viewing} className="btn btn-primary" />
        </div>
      ) : null}

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="flex min-w-0 flex-col gap-4">
          {diffFrom && diffTo ? <VersionDiff from={diffFrom} to={diffTo} closeHref={hrefWith(base, { version: requested })} /> : null}
          <PromptStrip template={shown.document} />
          <SerializedPrompt template={shown.document} />
          <RunPanel key={viewing} template={shown.document} />
        </div>
        <div className="flex flex-col gap-4">
          <VersionList templateId={template.id} versions={template.versions} latest={latest} viewing={viewing} diff={diff} />
          <TemplateSidebar template={template} libraries={libraries} />
        </div>
      </div>
    </div>
  );
}
