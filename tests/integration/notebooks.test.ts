/**
 * Notebooks on real SQLite and PostgreSQL, through the route handlers: create, versions (409 on a
 * stale base), restore, runs, bad input (404 / 400 with JSON paths / 422), and the library file
 * round trip with notebooks and their runs. Older (format 1) library files still import.
 */
import { describe, expect, it } from "vitest";
import * as notebooksRoute from "@/app/api/notebooks/route";
import * as notebookRoute from "@/app/api/notebooks/[id]/route";
import * as versionsRoute from "@/app/api/notebooks/[id]/versions/route";
import * as versionRoute from "@/app/api/notebooks/[id]/versions/[version]/route";
import * as restoreRoute from "@/app/api/notebooks/[id]/versions/[version]/restore/route";
import * as runsRoute from "@/app/api/notebooks/[id]/runs/route";
import { createLibrary, createTemplate, exportLibrary, importLibrary, listNotebooks, putAsset } from "@/lib/store";
import type { NotebookInput } from "@/lib/notebook";
import type { CellRunDetail, NotebookDetail } from "@/lib/store/types";
import { captionDoc, fakeImage, readFakeImage } from "./support/fixtures";
import { providers, withStoreDatabase } from "./support/databases";

const BASE = "http://localhost";
const post = (url: string, body: unknown) => new Request(`${BASE}${url}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const params = <T extends Record<string, string>>(p: T) => ({ params: Promise.resolve(p) });

async function body<T>(res: Response, status: number): Promise<T> {
  const data = (await res.json()) as T;
  expect(res.status, JSON.stringify(data)).toBe(status);
  return data;
}
type ErrorBody = { error: { code: string; message: string; details?: { path: (string | number)[]; message: string }[] } };

function notebookDoc(name: string, templateId: string, imageId: string): NotebookInput {
  return {
    formatVersion: 1,
    name,
    description: "two cells",
    cells: [
      { id: "c1", title: "From the library", prompt: { kind: "template", templateId, version: 1, bindings: { query_image: { assetId: imageId } } }, params: { backend: "server", maxTokens: 5 } },
      { id: "c2", prompt: { kind: "inline", template: captionDoc("Inline", { assetIds: [imageId] }), bindings: { query_image: { assetId: imageId } } }, params: { mode: "rank", candidates: ["a cat", "a dog"] } },
    ],
  };
}

function runOf(cellId: string, version: number, imageId: string) {
  return {
    cellId,
    version,
    backend: "browser-wasm",
    provider: "wasm",
    model: "flamingo-mini",
    params: { backend: "wasm", mode: "generate", decoding: "greedy", maxTokens: 5, minTokens: 0, temperature: 0.7, topP: 0.9, seed: 0, stop: [], candidates: [], trace: true },
    prompt: { parts: [{ type: "image", assetId: imageId }, { type: "text", text: "Output:" }] },
    output: { mode: "generate", text: " a cat", finishReason: "stop_token" },
    timings: { ttftMs: 12.5, totalMs: 80, tokens: 2, tokensPerSecond: 25 },
  };
}

describe.each(providers)("notebooks on %s", (provider) => {
  withStoreDatabase(provider);

  async function setup(name: string) {
    const lib = await createLibrary({ name });
    const img = fakeImage(`${name} img`);
    await putAsset(img);
    const template = await createTemplate({ libraryId: lib.id, document: captionDoc(`${name} captions`, { assetIds: [img.id] }) });
    return { lib, img, template };
  }

  it("creates, lists, saves versions with a stale-base conflict, restores, and keeps runs", async () => {
    const { lib, img, template } = await setup("NB main");
    const { notebook } = await body<{ notebook: NotebookDetail }>(
      await notebooksRoute.POST(post("/api/notebooks", { libraryId: lib.id, document: notebookDoc("Study", template.id, img.id), message: "first" })),
      201,
    );
    expect(notebook).toMatchObject({ name: "Study", latestVersion: 1, cellCount: 2, runCount: 0, libraryName: "NB main" });
    // Defaults are filled in: the stored document is complete.
    expect(notebook.document.cells[1]!.params).toMatchObject({ mode: "rank", backend: "wasm", decoding: "greedy", maxTokens: 20 });

    const listed = await body<{ notebooks: { id: string }[] }>(await notebooksRoute.GET(new Request(`${BASE}/api/notebooks?search=stud&libraryId=${lib.id}`)), 200);
    expect(listed.notebooks.map((n) => n.id)).toEqual([notebook.id]);
    expect(await listNotebooks({ search: "nothing like it" })).toEqual([]);

    const v2doc = { ...notebook.document, name: "Study 2", cells: [...notebook.document.cells].reverse() };
    const { notebook: v2 } = await body<{ notebook: NotebookDetail }>(await versionsRoute.POST(post(`/api/notebooks/${notebook.id}/versions`, { document: v2doc, baseVersion: 1 }), params({ id: notebook.id })), 201);
    expect(v2).toMatchObject({ latestVersion: 2, name: "Study 2" });
    expect(v2.document.cells.map((c) => c.id)).toEqual(["c2", "c1"]);

    const stale = await body<ErrorBody>(await versionsRoute.POST(post(`/api/notebooks/${notebook.id}/versions`, { document: notebook.document, baseVersion: 1 }), params({ id: notebook.id })), 409);
    expect(stale.error.details?.[0]?.path).toEqual(["baseVersion"]);

    const { notebook: v3 } = await body<{ notebook: NotebookDetail }>(await restoreRoute.POST(post(`/api/notebooks/${notebook.id}/versions/1/restore`, {}), params({ id: notebook.id, version: "1" })), 201);
    expect(v3).toMatchObject({ latestVersion: 3, name: "Study" });
    expect(v3.versions.map((v) => [v.version, v.message])).toEqual([[3, "Restored version 1"], [2, null], [1, "first"]]);
    const v1 = await body<{ version: { document: unknown } }>(await versionRoute.GET(new Request(BASE), params({ id: notebook.id, version: "1" })), 200);
    expect(v1.version.document).toEqual(notebook.document);

    const { run } = await body<{ run: CellRunDetail }>(await runsRoute.POST(post(`/api/notebooks/${notebook.id}/runs`, runOf("c1", 3, img.id)), params({ id: notebook.id })), 201);
    expect(run).toMatchObject({ cellId: "c1", version: 3, provider: "wasm", output: { mode: "generate", text: " a cat" }, timings: { ttftMs: 12.5 } });
    const runs = await body<{ runs: CellRunDetail[] }>(await runsRoute.GET(new Request(`${BASE}/api/notebooks/${notebook.id}/runs?cellId=c1`), params({ id: notebook.id })), 200);
    expect(runs.runs.map((r) => r.id)).toEqual([run.id]);
    const detail = await body<{ notebook: NotebookDetail }>(await notebookRoute.GET(new Request(BASE), params({ id: notebook.id })), 200);
    expect(detail.notebook.runCount).toBe(1);

    // Deleting takes the versions and runs with it.
    expect((await notebookRoute.DELETE(new Request(BASE, { method: "DELETE" }), params({ id: notebook.id }))).status).toBe(204);
    await body<ErrorBody>(await notebookRoute.GET(new Request(BASE), params({ id: notebook.id })), 404);
    await body<ErrorBody>(await runsRoute.GET(new Request(`${BASE}/api/notebooks/${notebook.id}/runs`), params({ id: notebook.id })), 404);
    await body<ErrorBody>(await notebookRoute.DELETE(new Request(BASE, { method: "DELETE" }), params({ id: notebook.id })), 404);
  });

  it("answers bad input with 404, 400 (with the JSON path), 409 and 422, changing nothing", async () => {
    const { lib, img, template } = await setup("NB bad");
    const doc = notebookDoc("Bad input", template.id, img.id);

    expect((await body<ErrorBody>(await notebookRoute.GET(new Request(BASE), params({ id: "no-such-notebook" })), 404)).error.code).toBe("not_found");
    expect((await body<ErrorBody>(await notebookRoute.GET(new Request(BASE), params({ id: "bad id!" })), 400)).error.code).toBe("validation_failed");
    await body<ErrorBody>(await notebooksRoute.POST(post("/api/notebooks", { libraryId: "no-such-library", document: doc })), 404);
    await body<ErrorBody>(await versionsRoute.POST(post("/api/notebooks/x/versions", { document: doc }), params({ id: "no-such-notebook" })), 404);
    await body<ErrorBody>(await runsRoute.POST(post("/api/notebooks/x/runs", runOf("c1", 1, img.id)), params({ id: "no-such-notebook" })), 404);

    // Malformed documents: 400 naming the JSON path.
    const noQuery = structuredClone(doc) as { cells: { prompt: { template?: { query?: unknown } } }[] };
    noQuery.cells[1]!.prompt.template!.query = { blocks: [] };
    const e1 = await body<ErrorBody>(await notebooksRoute.POST(post("/api/notebooks", { libraryId: lib.id, document: noQuery })), 400);
    expect(e1.error.details?.[0]?.path).toEqual(["cells", 1, "prompt", "template", "query", "blocks"]);
    const badParams = structuredClone(doc) as { cells: { params: Record<string, unknown> }[] };
    badParams.cells[0]!.params.maxTokens = 10_000;
    const e2 = await body<ErrorBody>(await notebooksRoute.POST(post("/api/notebooks", { libraryId: lib.id, document: badParams })), 400);
    expect(e2.error.details?.[0]?.path).toEqual(["cells", 0, "params", "maxTokens"]);
    const twice = { ...doc, cells: [doc.cells![0]!, doc.cells![0]!] };
    const e3 = await body<ErrorBody>(await notebooksRoute.POST(post("/api/notebooks", { libraryId: lib.id, document: twice })), 400);
    expect(e3.error.details?.[0]?.path).toEqual(["cells", 1, "id"]);
    const undeclared = structuredClone(doc) as { cells: { prompt: { template?: { variables: unknown[] } } }[] };
    undeclared.cells[1]!.prompt.template!.variables = [];
    const e4 = await body<ErrorBody>(await notebooksRoute.POST(post("/api/notebooks", { libraryId: lib.id, document: undeclared })), 400);
    expect(e4.error.details?.[0]?.path.slice(0, 4)).toEqual(["cells", 1, "prompt", "template"]);
    const newer = await body<ErrorBody>(await notebooksRoute.POST(post("/api/notebooks", { libraryId: lib.id, document: { ...doc, formatVersion: 2 } })), 400);
    expect(newer.error.message).toMatch(/upgrade/);
    const notJson = await notebooksRoute.POST(new Request(`${BASE}/api/notebooks`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" }));
    expect(notJson.status).toBe(400);

    // A template that does not exist: 422 at the cell's templateId.
    const dangling = structuredClone(doc) as { cells: { prompt: { templateId?: string } }[] };
    dangling.cells[0]!.prompt.templateId = "no-such-template";
    const e5 = await body<ErrorBody>(await notebooksRoute.POST(post("/api/notebooks", { libraryId: lib.id, document: dangling })), 422);
    expect(e5.error.details?.[0]?.path).toEqual(["cells", 0, "prompt", "templateId"]);
    expect(await listNotebooks({ libraryId: lib.id })).toEqual([]);

    const { notebook } = await body<{ notebook: NotebookDetail }>(await notebooksRoute.POST(post("/api/notebooks", { libraryId: lib.id, document: doc })), 201);
    const clash = await body<ErrorBody>(await notebooksRoute.POST(post("/api/notebooks", { libraryId: lib.id, document: doc })), 409);
    expect(clash.error.details?.[0]?.path).toEqual(["name"]);
    await body<ErrorBody>(await versionRoute.GET(new Request(BASE), params({ id: notebook.id, version: "9" })), 404);
    await body<ErrorBody>(await restoreRoute.POST(post("/x", {}), params({ id: notebook.id, version: "9" })), 404);

    // Runs: a cell that version lacks (422), a version that does not exist (404), a malformed run (400 with path).
    const noCell = await body<ErrorBody>(await runsRoute.POST(post("/x", runOf("zz", 1, img.id)), params({ id: notebook.id })), 422);
    expect(noCell.error.details?.[0]?.path).toEqual(["cellId"]);
    await body<ErrorBody>(await runsRoute.POST(post("/x", runOf("c1", 5, img.id)), params({ id: notebook.id })), 404);
    const malformed = { ...runOf("c1", 1, img.id), timings: { totalMs: -1 } };
    const e6 = await body<ErrorBody>(await runsRoute.POST(post("/x", malformed), params({ id: notebook.id })), 400);
    expect(e6.error.details?.[0]?.path).toEqual(["timings", "totalMs"]);
    expect((await listNotebooks({ libraryId: lib.id }))[0]!.runCount).toBe(0);
  });

  it("round-trips through a library file with its notebooks and runs; format 1 files still import", async () => {
    const { lib, img, template } = await setup("NB export");
    const created = await body<{ notebook: NotebookDetail }>(await notebooksRoute.POST(post("/api/notebooks", { libraryId: lib.id, document: notebookDoc("Exported nb", template.id, img.id), message: "m1" })), 201);
    const id = created.notebook.id;
    await body(await versionsRoute.POST(post("/x", { document: { ...created.notebook.document, description: "v2" }, baseVersion: 1 }), params({ id })), 201);
    await body(await runsRoute.POST(post("/x", runOf("c1", 1, img.id)), params({ id })), 201);
    await body(await runsRoute.POST(post("/x", { ...runOf("c2", 2, img.id), output: { mode: "rank", scores: [{ candidate: "a cat", sum: -1.5, mean: -0.5, tokens: 3 }] } }), params({ id })), 201);

    const file = await exportLibrary(lib.id);
    expect(file.formatVersion).toBe(2);
    expect(file.notebooks).toHaveLength(1);
    const cell = (file.notebooks[0]!.versions[0]!.document as { cells: { prompt: Record<string, unknown> }[] }).cells[0]!.prompt;
    // Portable: the template by name, never a database id.
    expect(cell).toEqual({ kind: "template", template: { library: "NB export", name: "NB export captions" }, version: 1, bindings: { query_image: { assetId: img.id } } });
    expect(file.notebooks[0]!.runs.map((r) => r.cellId)).toEqual(["c1", "c2"]);

    const copy = await importLibrary(JSON.parse(JSON.stringify(file)), { name: "NB export", readImage: readFakeImage }).catch((e: unknown) => e);
    expect((copy as { code?: string }).code).toBe("conflict");
    // Imported into a library of the same name after the original is gone: identical file.
    const renamed = await importLibrary(JSON.parse(JSON.stringify(file)), { name: "NB export copy", readImage: readFakeImage });
    const again = await exportLibrary(renamed.id);
    const [nb] = await listNotebooks({ libraryId: renamed.id });
    expect(nb).toMatchObject({ name: "Exported nb", latestVersion: 2, runCount: 2 });
    // The copy's cells point at the copy's own template (resolved by name inside the file).
    const strip = (f: typeof file) => JSON.parse(JSON.stringify({ ...f, exportedAt: undefined, library: undefined }).replaceAll('"library":"NB export copy"', '"library":"NB export"')) as unknown;
    expect(strip(again)).toEqual(strip(file));

    // An unresolvable template name: 422 at its path, nothing written.
    const broken = JSON.parse(JSON.stringify(file)) as typeof file;
    (broken.notebooks[0]!.versions[0]!.document as { cells: { prompt: { template: { name: string } } }[] }).cells[0]!.prompt.template.name = "Missing";
    const e = (await importLibrary(broken, { name: "NB broken", readImage: readFakeImage }).catch((x: unknown) => x)) as { code: string; details: { path: unknown[] }[] };
    expect(e.code).toBe("unprocessable");
    expect(e.details[0]!.path).toEqual(["notebooks", 0, "versions", 0, "document", "cells", 0, "prompt", "template"]);
    expect((await listNotebooks()).filter((n) => n.libraryName === "NB broken")).toEqual([]);

    // A format-1 file (no notebooks) imports as before.
    const { notebooks: _n, ...rest } = file;
    const v1 = await importLibrary({ ...rest, formatVersion: 1 }, { name: "NB v1", readImage: readFakeImage });
    expect(v1.templateCount).toBe(1);
    expect(await listNotebooks({ libraryId: v1.id })).toEqual([]);
  });
});
