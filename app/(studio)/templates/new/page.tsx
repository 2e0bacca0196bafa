import type { Metadata } from "next";
import Link from "next/link";
import { listLibraries } from "@/lib/store";
import { loadExampleImages } from "@/lib/examples/images";
import { TemplateEditor } from "@/components/editor/TemplateEditor";
import { ensureIds } from "@/components/composer/document-ops";
import { toSource } from "@/components/editor/starter";
import { DEFAULT_STARTER, isStarterId, starters, type ExampleAssetIds } from "@/components/editor/starters";
import { firstParam, hrefWith } from "@/components/ui/format";
import { preferredLibrary } from "@/components/ui/libraries";
import { listScope, pageCaller } from "../../not-found-guard";

export const metadata: Metadata = { title: "New template" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The Examples library's images by file, as asset ids (the seed stores them at every start); none if they cannot be read. */
let exampleIds: Promise<ExampleAssetIds> | undefined;
function exampleAssetIds(): Promise<ExampleAssetIds> {
  exampleIds ??= loadExampleImages().then(
    (images) => Object.fromEntries([...images].map(([file, image]) => [file, image.id])),
    () => {
      exampleIds = undefined;
      return {};
    },
  );
  return exampleIds;
}

/** `?starter=classification|captioning|vqa` picks what the new template starts from. */
export default async function NewTemplatePage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const workspaces = listScope(await pageCaller());
  const [libraries, ids] = await Promise.all([listLibraries({ workspaces }), exampleAssetIds()]);
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
  const choices = starters(ids);
  const asked = firstParam(sp.starter);
  const starter = choices.find((s) => s.id === (isStarterId(asked) ? asked : DEFAULT_STARTER))!;
  return (
    <div className="flex flex-col gap-4">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight">New template</h1>
        <p className="text-sm text-stone-600">
          Pick a starter, build the prompt in the composer (or write its JSON in the source: both show the same template), and run it before you save it.
        </p>
      </header>
      <TemplateEditor
        target={{ mode: "create", libraries: libraries.map((l) => ({ id: l.id, name: l.name })), libraryId: library.id }}
        initialText={toSource(ensureIds(starter.document))}
        starters={choices}
        starter={starter.id}
        cancelHref={hrefWith("/", { library: wanted ? library.id : undefined })}
      />
    </div>
  );
}
