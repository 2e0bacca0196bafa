import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { EXAMPLE_DATASETS, EXAMPLE_IMAGE_FILES, exampleTemplates, loadExampleImages, seedExamples } from "@/lib/examples";
import { imagesOf, parseTemplate, render, serializePrompt, type Template } from "@/lib/prompt";
import {
  DEFAULT_LIBRARY_NAME,
  deleteTemplate,
  getAssetInfo,
  getAssetThumbnail,
  getTemplate,
  listLibraries,
  listTemplates,
  saveTemplateVersion,
} from "@/lib/store";
import { providers, withStoreDatabase } from "./support/databases";

/** The paper's formats (flamingo-reference.md), as whole-prompt patterns: demonstrations joined by "\n", the query left open. */
const chunk = (body: string) => `(?:${body}<\\|endofchunk\\|>\\n)+`;
const FORMATS: Record<string, RegExp> = {
  "Image captioning": new RegExp(`^${chunk("<image>Output:[^<\\n]+")}<image>Output:$`),
  "Visual question answering": new RegExp(`^${chunk("<image>Question:[^<\\n]+\\? Short answer:[^<\\n]+")}<image>Question:[^<\\n]+\\? Short answer:$`),
  "Classification with novel words (dax or blicket)": new RegExp(`^${chunk("<image>Output:(?:dax|blicket)")}<image>Output:$`),
  "Yes/no question": new RegExp(`^${chunk("<image>Question:[^<\\n]+\\? Short answer:(?:yes|no)")}<image>Question:[^<\\n]+\\? Short answer:$`),
  "Two-image comparison": new RegExp(`^${chunk("<image>Image 1\\.<image>Image 2\\. Question:[^<\\n]+ Short answer:[a-z]+")}<image>Image 1\\.<image>Image 2\\. Question:[^<\\n]+ Short answer:$`),
};

function parsed(document: unknown, name: string): Template {
  const result = parseTemplate(document);
  if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.issues)}`);
  return result.template;
}

async function examplesLibrary() {
  const lib = (await listLibraries()).find((l) => l.kind === "examples");
  if (!lib) throw new Error("no Examples library");
  return lib;
}

/** Everything seeding could touch, for before/after comparisons. */
async function snapshot() {
  const libraries = await listLibraries();
  const templates = await listTemplates();
  return { libraries, templates };
}

describe.each(providers)("the Examples library on %s", (provider) => {
  describe("seeded into a fresh database", () => {
    withStoreDatabase(provider);

    it("creates the default and Examples libraries, every image and five templates", async () => {
      const report = await seedExamples();
      expect(report).toMatchObject({ libraryCreated: true, assetsCreated: EXAMPLE_IMAGE_FILES.length, templatesPresent: 0 });
      expect([...report.templatesCreated].sort()).toEqual(Object.keys(FORMATS).sort());

      const libraries = await listLibraries();
      expect(libraries.map((l) => [l.name, l.kind, l.templateCount])).toEqual([
        [DEFAULT_LIBRARY_NAME, "user", 0],
        ["Examples", "examples", 5],
      ]);
      expect(report.libraryId).toBe(libraries[1]!.id);
    });

    it("stores templates that validate, render in the paper's formats, and match the code", async () => {
      const images = await loadExampleImages();
      const expected = new Map(exampleTemplates((f) => images.get(f)!.id).map((t) => [t.name, t]));
      const summaries = await listTemplates({ libraryId: (await examplesLibrary()).id });
      expect(summaries.length).toBeGreaterThanOrEqual(5);

      for (const summary of summaries) {
        const { document, latestVersion } = await getTemplate(summary.id);
        expect(latestVersion).toBe(1);
        const template = parsed(document, summary.name);
        expect(template, summary.name).toEqual(parsed(expected.get(summary.name), summary.name));

        const sequence = render(template); // runs as is: no bindings needed
        const prompt = serializePrompt(sequence);
        expect(prompt, summary.name).toMatch(FORMATS[summary.name]!);
        expect(summary.previewAssetIds.length).toBeGreaterThan(0);

        for (const assetId of new Set(imagesOf(sequence))) {
          const info = await getAssetInfo(assetId);
          expect(info).toMatchObject({ id: assetId, mediaType: "image/png" });
          const thumb = await sharp(await getAssetThumbnail(assetId)).metadata();
          expect([thumb.format, thumb.width, thumb.height]).toEqual(["webp", info.width, info.height]);
        }
      }
    });

    it("changes nothing when seeded again", async () => {
      const before = await snapshot();
      const report = await seedExamples();
      expect(report).toEqual({ libraryId: before.libraries[1]!.id, libraryCreated: false, assetsCreated: 0, templatesCreated: [], templatesPresent: 5, datasets: { created: [], present: EXAMPLE_DATASETS.length } });
      expect(await snapshot()).toEqual(before);
    });

    it("keeps a user's edits to an example and brings back a deleted one", async () => {
      const [first, second] = await listTemplates({ libraryId: (await examplesLibrary()).id });
      const edited = await getTemplate(first!.id);
      await saveTemplateVersion({ templateId: first!.id, document: { ...edited.document, description: "my notes" }, message: "edit" });
      await deleteTemplate(second!.id);

      const report = await seedExamples();
      expect(report).toMatchObject({ libraryCreated: false, assetsCreated: 0, templatesCreated: [second!.name], templatesPresent: 4 });
      expect(await getTemplate(first!.id)).toMatchObject({ latestVersion: 2, description: "my notes" });
      expect((await listTemplates({ libraryId: (await examplesLibrary()).id })).map((t) => t.name).sort()).toEqual(Object.keys(FORMATS).sort());
    });
  });

  describe("seeded by two starts at once", () => {
    withStoreDatabase(provider);

    it("creates one library and each template once", async () => {
      const reports = await Promise.all([seedExamples(), seedExamples()]);
      expect(reports.filter((r) => r.libraryCreated)).toHaveLength(1);
      expect(reports[0]!.libraryId).toBe(reports[1]!.libraryId);
      const created = reports.flatMap((r) => r.templatesCreated);
      expect(created.sort()).toEqual(Object.keys(FORMATS).sort());
      expect(reports[0]!.assetsCreated + reports[1]!.assetsCreated).toBe(EXAMPLE_IMAGE_FILES.length);
      const libraries = await listLibraries();
      expect(libraries.map((l) => [l.name, l.templateCount])).toEqual([
        [DEFAULT_LIBRARY_NAME, 0],
        ["Examples", 5],
      ]);
    });
  });
});
