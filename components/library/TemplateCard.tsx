import Link from "next/link";
import type { TemplateSummary } from "@/lib/store/types";
import { AssetImage } from "@/components/ui/AssetImage";
import { Tag } from "@/components/ui/Tag";
import { formatDate, hrefWith } from "@/components/ui/format";

const MAX_THUMBS = 4;

export function TemplateCard({ template, libraryId }: { template: TemplateSummary; libraryId?: string }) {
  const thumbs = template.previewAssetIds.slice(0, MAX_THUMBS);
  const more = template.previewAssetIds.length - thumbs.length;
  return (
    <li
      className="card group relative flex flex-col overflow-hidden transition-shadow focus-within:ring-2 focus-within:ring-brand-600 hover:shadow-md"
      data-testid="template-card"
      data-template-id={template.id}
    >
      <div className="flex h-20 gap-1 overflow-hidden border-b border-stone-100 bg-stone-50 p-2" aria-hidden={thumbs.length === 0}>
        {thumbs.length === 0 ? (
          <span className="m-auto text-xs text-stone-400">text only</span>
        ) : (
          thumbs.map((id, i) => (
            <AssetImage key={`${id}-${i}`} assetId={id} alt="" className="aspect-square h-full shrink-0 rounded" />
          ))
        )}
        {more > 0 ? <span className="my-auto shrink-0 px-1 text-xs text-stone-500">+{more}</span> : null}
      </div>
      <div className="flex flex-1 flex-col gap-2 p-3">
        <h2 className="font-semibold leading-snug text-stone-900">
          <Link
            href={`/templates/${template.id}`}
            className="after:absolute after:inset-0 focus-visible:outline-none"
            data-testid="template-card-link"
          >
            {template.name}
          </Link>
        </h2>
        {template.description ? <p className="line-clamp-2 text-sm text-stone-600">{template.description}</p> : null}
        {template.tags.length > 0 ? (
          <ul className="relative z-10 flex flex-wrap gap-1" aria-label="Tags">
            {template.tags.map((t) => (
              <li key={t}>
                <Tag tag={t} href={hrefWith("/", { library: libraryId, tag: t })} />
              </li>
            ))}
          </ul>
        ) : null}
        <p className="mt-auto flex flex-wrap items-center gap-x-2 pt-1 text-xs text-stone-500">
          <span data-testid="template-card-library">{template.libraryName}</span>
          <span aria-hidden>·</span>
          <span>v{template.latestVersion}</span>
          <span aria-hidden>·</span>
          <span>updated {formatDate(template.updatedAt)}</span>
          {template.forkedFrom ? (
            <>
              <span aria-hidden>·</span>
              <span>fork</span>
            </>
          ) : null}
        </p>
      </div>
    </li>
  );
}
