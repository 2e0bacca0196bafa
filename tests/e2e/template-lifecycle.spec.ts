import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { SourceEditor, captionTemplate, exportWithoutTimestamp, freshBaseURL, libraryIdByName, makePng } from "./support";

test("create from JSON, upload an image, save two versions, restore v1, export and import into a fresh database", async ({ page, request, baseURL }) => {
  const name = `E2E captions ${Date.now()}`;
  const editor = new SourceEditor(page);

  // Create: upload an image, reference it from the JSON source, save version 1.
  await page.goto("/templates/new");
  await editor.ready();
  await editor.upload({ name: "swatch.png", mimeType: "image/png", buffer: await makePng(Date.now() % 1000) });
  const uploaded = page.getByTestId("uploaded-asset").first();
  await expect(uploaded).toBeVisible();
  const assetId = (await uploaded.getAttribute("data-asset-id"))!;
  expect(assetId).toMatch(/^[0-9a-f]{64}$/);

  await editor.setDocument(captionTemplate(name, assetId, "A blue swatch."));
  await editor.save("first version");
  await page.waitForURL((url) => /^\/templates\/(?!new$)[\w-]+$/.test(url.pathname));
  const templateId = page.url().split("/").pop()!;
  await expect(page.getByTestId("template-header")).toContainText(name);
  await expect(page.getByTestId("version-item")).toHaveCount(1);
  await expect(page.getByTestId("prompt-strip").getByTestId("image-block").first()).toBeVisible();

  // Version 2 through the editor.
  await page.getByTestId("edit-source-link").click();
  await editor.ready();
  await editor.setDocument(captionTemplate(name, assetId, "A swatch of colour."));
  await editor.save("second version");
  await expect(page.getByTestId("version-item")).toHaveCount(2);
  await expect(page.getByTestId("shot-answer").first()).toContainText("A swatch of colour.");

  // Restore v1: a new version 3 equal to version 1.
  await page.locator('[data-testid="restore-version"][data-version="1"]').click();
  await expect(page.getByTestId("version-item")).toHaveCount(3);
  await expect(page.getByTestId("shot-answer").first()).toContainText("A blue swatch.");
  const v1 = await (await request.get(`/api/templates/${templateId}/versions/1`)).json();
  const v3 = await (await request.get(`/api/templates/${templateId}/versions/3`)).json();
  expect(v3.version.document).toEqual(v1.version.document);

  // Export "My library" through the page's export link, then import it on a server with an empty database.
  const libraryId = await libraryIdByName(request, baseURL!, "My library");
  await page.goto(`/?library=${libraryId}`);
  const downloadPromise = page.waitForEvent("download");
  await page.getByTestId("export-current-library").click();
  const download = await downloadPromise;
  const file = await readFile((await download.path())!);
  expect(JSON.parse(file.toString("utf8")).templates.some((t: { name: string }) => t.name === name)).toBe(true);

  await page.goto(`${freshBaseURL}/`);
  await page.getByTestId("import-library-input").setInputFiles({ name: "my-library.json", mimeType: "application/json", buffer: file });
  // "My library" exists in every database, so the import asks for another name.
  const rename = page.getByTestId("import-rename-form");
  await expect(rename).toBeVisible();
  await page.getByTestId("import-name").fill("Imported library");
  await page.getByTestId("import-rename-submit").click();
  await expect(page.getByTestId("template-card").filter({ hasText: name })).toBeVisible();

  const importedId = await libraryIdByName(request, freshBaseURL, "Imported library");
  const original = await exportWithoutTimestamp(request, baseURL!, libraryId);
  const imported = await exportWithoutTimestamp(request, freshBaseURL, importedId);
  expect(imported.templates).toEqual(original.templates);
  expect(imported.assets).toEqual(original.assets);
});

test("bad input gets a clear message and saves nothing", async ({ page, request }) => {
  const editor = new SourceEditor(page);
  await page.goto("/templates/new");
  await editor.ready();

  // A text file renamed .png is refused by content.
  await editor.upload({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just some text, not an image") });
  await expect(page.getByText(/not a PNG, JPEG, WebP or GIF/)).toBeVisible();

  // An undeclared variable is reported at its line, and saving is disabled.
  const doc = captionTemplate(`E2E invalid ${Date.now()}`, "0".repeat(64), "x");
  doc.query.blocks[1] = { type: "text", text: "Question:{{question}} Output:" };
  await editor.setDocument(doc);
  const issue = page.getByTestId("editor-issue").filter({ hasText: "question" });
  await expect(issue).toBeVisible();
  const text = await editor.text();
  const line = text.split("\n").findIndex((l) => l.includes("{{question}}")) + 1;
  await expect(issue).toContainText(`${line}`);
  await expect(page.getByTestId("save-template")).toBeDisabled();

  // The API refuses the same document with the field path.
  const libraryId = await libraryIdByName(request, "", "My library");
  const res = await request.post("/api/templates", { data: { libraryId, document: doc } });
  expect(res.status()).toBe(400);
  const body = await res.json();
  expect(JSON.stringify(body.error.details)).toContain("query");
});
