import { describe, expect, it } from "vitest";
import { createLibrary, createTemplate, listTemplates } from "@/lib/store";
import { captionDoc } from "./support/fixtures";
import { providers, withStoreDatabase } from "./support/databases";

// Same queries, same answers on both providers: matching runs on lowercased columns, never on a collation.
describe.each(providers)("template search on %s", (provider) => {
  withStoreDatabase(provider);

  it("searches name, description and tags case-insensitively and filters by tag and library", async () => {
    const a = await createLibrary({ name: "Search A" });
    const b = await createLibrary({ name: "Search B" });
    await createTemplate({ libraryId: a.id, document: captionDoc("Bird Captions", { tags: ["Captioning", "birds"], description: "Describe a BIRD" }) });
    await createTemplate({ libraryId: a.id, document: captionDoc("VQA short", { tags: ["vqa"], description: "Answer 100% briefly" }) });
    await createTemplate({ libraryId: b.id, document: captionDoc("zebra_count", { tags: ["counting", "VQA"], description: "Ünïcode Ärger" }) });
    const names = async (q: Parameters<typeof listTemplates>[0]) => (await listTemplates(q)).map((t) => t.name);

    expect(await names({ libraryId: a.id })).toEqual(["Bird Captions", "VQA short"]);
    expect(await names({ search: "bird" })).toEqual(["Bird Captions"]);
    expect(await names({ search: "  BIRD caps" })).toEqual([]);
    expect(await names({ search: "CAPTIONS" })).toEqual(["Bird Captions"]);
    expect(await names({ search: "vqa" })).toEqual(["VQA short", "zebra_count"]); // tag or name
    expect(await names({ tag: "VQA" })).toEqual(["VQA short", "zebra_count"]);
    expect(await names({ tag: "vq" })).toEqual([]); // tags match whole
    expect(await names({ tag: "captioning", libraryId: a.id })).toEqual(["Bird Captions"]);
    expect(await names({ tag: "captioning", libraryId: b.id })).toEqual([]);
    expect(await names({ search: "ärger" })).toEqual(["zebra_count"]);
    // LIKE wildcards in the query are literal characters.
    expect(await names({ search: "_" })).toEqual(["zebra_count"]);
    expect(await names({ search: "100%" })).toEqual(["VQA short"]);
    expect(await names({ search: "%" })).toEqual(["VQA short"]);
  });
});
