import type { LibrarySummary, TemplateDetail } from "@/lib/store/types";
import { preferredLibrary } from "@/components/ui/libraries";
import { DeleteTemplateButton } from "./DeleteTemplateButton";
import { ForkForm } from "./ForkForm";

/** Variables, fork, export and delete: the template's secondary actions. */
export function TemplateSidebar({ template, libraries }: { template: TemplateDetail; libraries: LibrarySummary[] }) {
  const vars = template.document.variables;
  return (
    <>
      {vars.length > 0 ? (
        <section className="card p-4" aria-labelledby="vars-heading" data-testid="variables">
          <h2 id="vars-heading" className="mb-2 text-sm font-semibold">
            Variables
          </h2>
          <ul className="flex flex-col gap-2 text-sm">
            {vars.map((v) => (
              <li key={v.name}>
                <code className="rounded bg-amber-100 px-1 font-mono text-xs text-amber-900">{`{{${v.name}}}`}</code>{" "}
                <span className="text-xs text-stone-500">{v.kind}</span>
                {v.description ? <p className="text-xs text-stone-600">{v.description}</p> : null}
                {v.default !== undefined ? <p className="text-xs text-stone-500">default: “{v.default}”</p> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="card p-4" aria-labelledby="fork-heading">
        <h2 id="fork-heading" className="mb-2 text-sm font-semibold">
          Fork
        </h2>
        <ForkForm
          templateId={template.id}
          templateName={template.name}
          libraries={libraries.map((l) => ({ id: l.id, name: l.name }))}
          defaultLibraryId={preferredLibrary(libraries, template.libraryId)?.id}
        />
      </section>
      <section className="card flex flex-col gap-2 p-4" aria-labelledby="more-heading">
        <h2 id="more-heading" className="text-sm font-semibold">
          More
        </h2>
        <a href={`/api/libraries/${encodeURIComponent(template.libraryId)}/export`} download className="btn" data-testid="export-library-link">
          Export “{template.libraryName}”
        </a>
        <DeleteTemplateButton templateId={template.id} libraryId={template.libraryId} />
      </section>
    </>
  );
}
