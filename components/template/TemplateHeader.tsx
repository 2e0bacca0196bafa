import Link from "next/link";
import type { ReactNode } from "react";
import type { Template } from "@/lib/prompt/schema";
import type { TemplateDetail } from "@/lib/store/types";
import { Breadcrumb } from "@/components/ui/Breadcrumb";
import { Tag } from "@/components/ui/Tag";
import { hrefWith } from "@/components/ui/format";

/**
 * Name, library, tags, fork origin, and the edit action. `document` is the version being shown; `actions`: more buttons (Share);
 * `editable`: whether the caller may save versions (viewers and the Examples library may not: they see why instead of an Edit button).
 */
export function TemplateHeader({ template, document, viewing, actions, editable = true }: { template: TemplateDetail; document: Template; viewing: number; actions?: ReactNode; editable?: boolean }) {
  const old = viewing !== template.latestVersion;
  return (
    <header className="flex flex-col gap-3" data-testid="template-header">
      <Breadcrumb
        items={[
          { label: "Library", href: "/" },
          { label: template.libraryName, href: hrefWith("/", { library: template.libraryId }), testId: "template-library" },
        ]}
      />
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="break-words text-2xl font-semibold tracking-tight" data-testid="template-name">
            {document.name}
          </h1>
          {document.description ? <p className="mt-1 max-w-3xl text-stone-600">{document.description}</p> : null}
        </div>
        <div className="flex flex-wrap gap-2">
          {actions}
          <Link href={hrefWith("/sweeps/new", { templateId: template.id, version: old ? viewing : undefined })} className="btn" data-testid="compare-shots-link">
            Compare shot counts
          </Link>
          {editable ? (
            <Link
              href={hrefWith(`/templates/${encodeURIComponent(template.id)}/edit`, { from: old ? viewing : undefined })}
              className="btn btn-primary"
              data-testid="edit-source-link"
            >
              {old ? `Edit from v${viewing}` : "Edit source"}
            </Link>
          ) : (
            <span className="self-center text-xs text-stone-500" data-testid="read-only-note" title="Fork it into a library you can edit to change it">
              Read-only here · fork it to change it
            </span>
          )}
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2 text-sm text-stone-600">
        {document.tags.length > 0 ? (
          <ul className="flex flex-wrap gap-1" aria-label="Tags">
            {document.tags.map((t) => (
              <li key={t}>
                <Tag tag={t} href={hrefWith("/", { tag: t })} />
              </li>
            ))}
          </ul>
        ) : null}
        <span>
          {document.shots.length} {document.shots.length === 1 ? "shot" : "shots"}
        </span>
        {template.forkedFrom ? (
          <span data-testid="forked-from">
            forked from{" "}
            <Link
              href={hrefWith(`/templates/${encodeURIComponent(template.forkedFrom.templateId)}`, { version: template.forkedFrom.version })}
              className="text-brand-700 hover:underline"
            >
              its source (v{template.forkedFrom.version})
            </Link>
          </span>
        ) : null}
      </div>
    </header>
  );
}
