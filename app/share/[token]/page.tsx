import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { allowed, currentCaller, shareCaller, type Caller } from "@/lib/auth";
import { roleAllows } from "@/lib/auth/roles";
import { isAppError } from "@/lib/errors";
import type { Template } from "@/lib/prompt/schema";
import { getLibrary, getNotebook, getTemplate, listLibraries, listNotebooks, listTemplates } from "@/lib/store";
import { ForkShared } from "@/components/sharing/ForkShared";
import { SharedBanner, SharedLibrary, SharedNotebook, SharedTemplate } from "@/components/sharing/SharedViews";
import { firstParam } from "@/components/ui/format";

export const metadata: Metadata = { title: "Shared", referrer: "no-referrer", robots: { index: false } };
export const dynamic = "force-dynamic";

type Params = Promise<{ token: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Unknown and deleted resources look the same as revoked links: the not-found page here. */
async function orGone<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (isAppError(e) && e.code === "not_found") notFound();
    throw e;
  }
}

/** The signed-in viewer's libraries they may fork into (none when signed out). */
async function forkTargets(viewer: Caller): Promise<{ id: string; name: string }[]> {
  if (viewer.kind !== "user") return [];
  const libraries = await listLibraries();
  return libraries.filter((l) => {
    const role = viewer.roles.get(l.workspaceId);
    return l.kind === "user" && role !== undefined && roleAllows(role, "write");
  });
}

/**
 * A share link's page, readable without signing in: the shared library (its templates and notebooks,
 * each opening here too), template or notebook, read-only. Images load with the link's token.
 */
export default async function SharePage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const [{ token }, sp] = await Promise.all([params, searchParams]);
  const link = await shareCaller(token);
  if (!link || link.kind !== "share") notFound();

  // An item of a shared library (?template= / ?notebook=), or the shared resource itself.
  const templateId = firstParam(sp.template) ?? (link.resourceKind === "template" ? link.resourceId : undefined);
  const notebookId = templateId ? undefined : (firstParam(sp.notebook) ?? (link.resourceKind === "notebook" ? link.resourceId : undefined));
  const back = link.resourceKind === "library" && (templateId || notebookId) ? (
    <Link href={`/share/${encodeURIComponent(token)}`} className="text-sm text-brand-700 hover:underline">
      ← The shared library
    </Link>
  ) : null;

  if (templateId) {
    if (!(await allowed(link, "read", { template: templateId }))) notFound();
    const [template, viewer] = await Promise.all([orGone(getTemplate(templateId)), currentCaller().catch((): Caller => ({ kind: "anonymous" }))]);
    const targets = await forkTargets(viewer);
    return (
      <div className="flex flex-col gap-4" data-testid="share-page">
        <SharedBanner what="template" />
        {back}
        <SharedTemplate token={token} template={template.document} />
        {viewer.kind === "user" ? (
          <section className="card p-4">
            <ForkShared shareToken={token} templateId={template.id} templateName={template.name} libraries={targets} />
          </section>
        ) : (
          <p className="text-sm text-stone-600">
            <Link href={`/sign-in?next=${encodeURIComponent(`/share/${token}${templateId !== link.resourceId ? `?template=${templateId}` : ""}`)}`} className="text-brand-700 hover:underline">
              Sign in
            </Link>{" "}
            to fork it into your own workspace.
          </p>
        )}
      </div>
    );
  }

  if (notebookId) {
    if (!(await allowed(link, "read", { notebook: notebookId }))) notFound();
    const notebook = await orGone(getNotebook(notebookId));
    const templates = new Map<string, Template>();
    for (const cell of notebook.document.cells) {
      if (cell.prompt.kind !== "template" || templates.has(cell.prompt.templateId)) continue;
      // Only templates the link reaches (the same library, when a library is shared).
      if (await allowed(link, "read", { template: cell.prompt.templateId })) {
        const t = await getTemplate(cell.prompt.templateId).catch(() => null);
        if (t) templates.set(t.id, t.document);
      }
    }
    return (
      <div className="flex flex-col gap-4" data-testid="share-page">
        <SharedBanner what="notebook" />
        {back}
        <SharedNotebook token={token} notebook={notebook.document} templates={templates} />
      </div>
    );
  }

  const library = await orGone(getLibrary(link.resourceId));
  const [templates, notebooks] = await Promise.all([listTemplates({ libraryId: library.id }), listNotebooks({ libraryId: library.id })]);
  return (
    <div className="flex flex-col gap-4" data-testid="share-page">
      <SharedBanner what="library" />
      <SharedLibrary token={token} library={library} templates={templates} notebooks={notebooks} />
    </div>
  );
}
