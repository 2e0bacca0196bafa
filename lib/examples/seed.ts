import "server-only";
import { ingestImage } from "@/lib/assets/ingest";
import { isAppError } from "@/lib/errors";
import { describeIssues, parseTemplate } from "@/lib/prompt";
import { createLibrary, createTemplate, ensureDefaultLibrary, listLibraries, listTemplates } from "@/lib/store";
import type { LibrarySummary } from "@/lib/store/types";
import { EXAMPLE_IMAGES_DIR, loadExampleImages } from "./images";
import { seedExampleDatasets, type ExampleDatasetReport } from "./datasets";
import { exampleTemplates } from "./templates";

export const EXAMPLES_LIBRARY_NAME = "Examples";
const EXAMPLES_LIBRARY_DESCRIPTION =
  "Few-shot prompts in the Flamingo paper's formats: captioning, VQA, novel-word classification, yes/no questions and two-image comparison. Fork one to make it yours.";

export interface SeedReport {
  libraryId: string;
  libraryCreated: boolean;
  /** Images stored now (0 when they were all there already). */
  assetsCreated: number;
  /** Names of the templates created now. */
  templatesCreated: string[];
  /** Example templates that were already present (matched by name). */
  templatesPresent: number;
  /** Example datasets (lib/examples/datasets.ts) created now / already present. */
  datasets: ExampleDatasetReport;
}

/**
 * Make sure the default library and the Examples library exist, with every
 * example image and template. Idempotent: safe at every server start, and
 * when two processes start at once (name conflicts mean "already there").
 * Templates a user deleted from Examples come back; edited ones are left alone.
 * The example datasets likewise (by name).
 */
export async function seedExamples(options: { imagesDir?: string } = {}): Promise<SeedReport> {
  await ensureDefaultLibrary();
  const { library, created: libraryCreated } = await ensureExamplesLibrary();

  const images = await loadExampleImages(options.imagesDir ?? EXAMPLE_IMAGES_DIR);
  let assetsCreated = 0;
  for (const image of images.values()) {
    const { created } = await ingestImage(image.bytes);
    if (created) assetsCreated++;
  }

  const present = new Set((await listTemplates({ libraryId: library.id })).map((t) => t.name));
  const report: SeedReport = { libraryId: library.id, libraryCreated, assetsCreated, templatesCreated: [], templatesPresent: 0, datasets: { created: [], present: 0 } };
  for (const document of exampleTemplates((file) => images.get(file)!.id)) {
    const parsed = parseTemplate(document);
    // Our own documents: invalid means a bug in templates.ts, caught by unit tests.
    if (!parsed.ok) throw new Error(`Example template "${document.name}" is invalid: ${describeIssues(parsed.issues)}`);
    if (present.has(parsed.template.name)) {
      report.templatesPresent++;
      continue;
    }
    try {
      await createTemplate({ libraryId: library.id, document: parsed.template, message: "Example from Flamingo Studio" });
      report.templatesCreated.push(parsed.template.name);
    } catch (e) {
      if (!(isAppError(e) && e.code === "conflict")) throw e;
      report.templatesPresent++; // created by a concurrent start
    }
  }
  report.datasets = await seedExampleDatasets(library.id);
  return report;
}

/** Found by kind, so a renamed Examples library is still found. */
async function ensureExamplesLibrary(): Promise<{ library: LibrarySummary; created: boolean }> {
  const find = async () => (await listLibraries()).find((l) => l.kind === "examples");
  const existing = await find();
  if (existing) return { library: existing, created: false };
  try {
    return { library: await createLibrary({ name: EXAMPLES_LIBRARY_NAME, description: EXAMPLES_LIBRARY_DESCRIPTION, kind: "examples" }), created: true };
  } catch (e) {
    const raced = await find();
    if (raced) return { library: raced, created: false };
    throw e;
  }
}
