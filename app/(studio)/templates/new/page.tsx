import type { Metadata } from "next";
import Link from "next/link";
import { listLibraries } from "@/lib/store";
import { TemplateEditor } from "@/components/editor/TemplateEditor";
import { ensureIds } from "@/components/composer/document-ops";
import { STARTER_TEMPLATE, toSource } from "@/components/editor/starter";
import { firstParam, hrefWith } from "@/components/ui/format";
import { preferredLibrary } from "@/components/ui/libraries";

export const metadata: Metadata = { title: "New template" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function NewTemplatePage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const libraries = await listLibraries();
  const wanted = firstParam(sp.libraryId);
  const library = libraries.find((l) => l.id === wanted) ?? preferredLibrary(libraries);

  if (!library) {
    return (
      <div className="card p-6 text-sm">
        Create a library first.{" "}
        <Link href="/" className="text-brand-700 hover:underline">
          Back to the library
        </Link>
      </div>
    );
  }
  return (
    <div className="flex flex-col gap-4">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight">New template</h1>
        <p className="text-sm text-stone-600">
          Build the prompt in the composer, or write its JSON in the source: both show the same template.
        </p>
      </header>
      <TemplateEditor
        target={{ mode: "create", libraries: libraries.map((l) => ({ id: l.id, name: l.name })), libraryId: library.id }}
        initialText={toSource(ensureIds(STARTER_TEMPLATE))}
        cancelHref={hrefWith("/", { library: wanted ? library.id : undefined })}
      />
    </div>
  );
}
