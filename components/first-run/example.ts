/**
 * The first-run demo's example, read on the server: the bundled "Classification with novel words"
 * template as lib/examples defines it (its query image bound already), rendered at 0, 1 and 4 shots,
 * and where to go next (the template in the Examples library, a comparison over the example dataset).
 */
import "server-only";
import { EXAMPLE_DATASETS, exampleTemplates, loadExampleImages } from "@/lib/examples";
import { parseTemplate } from "@/lib/prompt";
import type { Template } from "@/lib/prompt/schema";
import { listLibraries, listSweeps, listTemplates } from "@/lib/store";
import { listDatasets } from "@/lib/store/datasets";
import { candidatesOf, firstRunSteps, type FirstRunStep } from "./story";

export const FIRST_RUN_TEMPLATE = "Classification with novel words (dax or blicket)";
/** The right label of the example's query (an orange cat; the template names cats "dax"). */
export const FIRST_RUN_EXPECTED = "dax";
const FIRST_RUN_DATASET = EXAMPLE_DATASETS.find((d) => d.dir === "novel-emoji-2way")?.name ?? "Novel emoji (2-way)";

export interface FirstRunExample {
  steps: FirstRunStep[];
  candidates: string[];
  expected: string;
  /** The stored template (the Examples library's copy), when it is there. */
  templateId: string | null;
  /** "/sweeps/<id>" of a finished comparison of this template over the example dataset, else "/sweeps/new?…", else null. */
  comparisonHref: string | null;
  /** Whether comparisonHref is an existing comparison (not the form). */
  comparisonExists: boolean;
}

let bundled: Promise<Template | null> | undefined;

/** The bundled template with its images' asset ids (the seed stored the same bytes), parsed once per process. */
function bundledTemplate(): Promise<Template | null> {
  bundled ??= loadExampleImages()
    .then((images) => {
      const doc = exampleTemplates((file) => images.get(file)!.id).find((t) => t.name === FIRST_RUN_TEMPLATE);
      const parsed = doc ? parseTemplate(doc) : null;
      return parsed?.ok ? parsed.template : null;
    })
    .catch(() => {
      bundled = undefined;
      return null;
    });
  return bundled;
}

/** Everything the demo needs, or null when the example cannot be built (a broken checkout). */
export async function loadFirstRunExample(): Promise<FirstRunExample | null> {
  const template = await bundledTemplate();
  if (!template) return null;
  const [libraries, datasets] = await Promise.all([listLibraries(), listDatasets()]);
  const examples = libraries.find((l) => l.kind === "examples");
  const stored = examples ? (await listTemplates({ libraryId: examples.id })).find((t) => t.name === FIRST_RUN_TEMPLATE) : undefined;
  const dataset = datasets.find((d) => d.name === FIRST_RUN_DATASET && (!examples || d.libraryId === examples.id)) ?? datasets.find((d) => d.name === FIRST_RUN_DATASET);
  let comparisonHref: string | null = null;
  let comparisonExists = false;
  if (stored && dataset) {
    const done = (await listSweeps({ datasetId: dataset.id, templateId: stored.id })).filter((s) => s.status === "done");
    const latest = done.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    comparisonExists = latest !== undefined;
    comparisonHref = latest ? `/sweeps/${encodeURIComponent(latest.id)}` : `/sweeps/new?templateId=${encodeURIComponent(stored.id)}&datasetId=${encodeURIComponent(dataset.id)}`;
  }
  return {
    steps: firstRunSteps(template),
    candidates: candidatesOf(template),
    expected: FIRST_RUN_EXPECTED,
    templateId: stored?.id ?? null,
    comparisonHref,
    comparisonExists,
  };
}
