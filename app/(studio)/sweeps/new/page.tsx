import type { Metadata } from "next";
import Link from "next/link";
import { listTemplates } from "@/lib/store";
import { listDatasets } from "@/lib/store/datasets";
import { NewSweepForm } from "@/components/comparison/NewSweepForm";
import { firstParam } from "@/components/ui/format";
import { FORM_DEFAULTS, suggestTemplate } from "@/lib/sweeps/client/form";
import { listScope, pageCaller } from "../../not-found-guard";

export const metadata: Metadata = { title: "New comparison" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * /sweeps/new[?templateId&datasetId&version&engines]: the template and dataset pages link here with
 * theirs chosen; a sweep's "New like this" also passes its engines (comma-separated registry ids).
 */
export default async function NewSweepPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const workspaces = listScope(await pageCaller());
  const [templates, datasets] = await Promise.all([listTemplates({ workspaces }), listDatasets({ workspaces })]);
  const wantedDataset = datasets.find((d) => d.id === firstParam(sp.datasetId));
  const wantedTemplate = templates.find((t) => t.id === firstParam(sp.templateId)) ?? (wantedDataset ? suggestTemplate(templates, wantedDataset.task) : undefined);
  const version = Number(firstParam(sp.version));
  const engines = (firstParam(sp.engines) ?? "").split(",").filter(Boolean).slice(0, 8);

  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-4">
      <header className="flex flex-col gap-1">
        <nav aria-label="Breadcrumb" className="text-xs text-stone-500">
          <Link href="/sweeps" className="hover:underline">
            Comparisons
          </Link>{" "}
          / New
        </nav>
        <h1 className="text-2xl font-semibold tracking-tight">New comparison</h1>
        <p className="text-sm text-stone-600">
          How much do examples help, which ones, and from how many on? Run a template over a dataset at several shot counts, with demonstrations chosen at random, balanced per
          answer, or by visual similarity (RICES), and compare the accuracy side by side.
        </p>
      </header>
      {datasets.length === 0 ? (
        <p className="card p-4 text-sm" data-testid="no-datasets">
          There is no dataset yet.{" "}
          <Link href="/datasets" className="text-brand-700 hover:underline">
            Import one
          </Link>{" "}
          first.
        </p>
      ) : null}
      <NewSweepForm
        templates={templates.map((t) => ({ id: t.id, name: t.name, libraryName: t.libraryName, latestVersion: t.latestVersion, tags: t.tags }))}
        datasets={datasets.map((d) => ({ id: d.id, name: d.name, libraryName: d.libraryName, task: d.task, itemCount: d.itemCount, poolCount: d.poolCount, evalCount: d.evalCount }))}
        initial={{
          ...FORM_DEFAULTS,
          templateId: wantedTemplate?.id ?? "",
          templateVersion: wantedTemplate && Number.isInteger(version) && version >= 1 && version <= wantedTemplate.latestVersion ? version : 0,
          datasetId: wantedDataset?.id ?? "",
          ...(engines.length > 0 ? { engines } : {}),
          mode: wantedDataset?.task === "captioning" ? "generate" : "rank",
        }}
      />
    </div>
  );
}
