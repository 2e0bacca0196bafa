import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { NotebookPage, SourceEditor, exportWithoutTimestamp, freshBaseURL, libraryIdByName, pasteImage, pointerDrag, watchConsole } from "./support";

/**
 * The "Must show", in headless Chromium against the production build: a 4-shot
 * classification prompt built from the Examples library with mouse drag and drop and a pasted
 * image, edited in Monaco (the composer follows), run in the browser (WASM) and on the server with
 * the same greedy answer, kept as a notebook cell with its run, and found intact after a reload.
 * Then the notebook itself: cells from the library, duplicate, keyboard reorder, Run all, versions,
 * the library's Notebooks tab, 390 px, and no console errors or warnings anywhere.
 */
const EXAMPLE = "Classification with novel words (dax or blicket)";
const stamp = Date.now();

let page: Page;
const problems: string[] = [];
const cleanup: { templates: string[]; notebooks: string[] } = { templates: [], notebooks: [] };
let answer = "";
let notebookUrl = "";

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watchConsole(page, problems);
});

test.afterEach(() => {
  expect(problems, "console errors and warnings").toEqual([]);
});

test.afterAll(async () => {
  for (const id of cleanup.notebooks) await page.request.delete(`/api/notebooks/${id}`);
  for (const id of cleanup.templates) await page.request.delete(`/api/templates/${id}`);
  await page.close();
});

const nbPage = (p: Page) => new NotebookPage(p);
const answersOf = (p: Page) => p.getByTestId("composer").getByTestId("composer-answer").evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value));

test("compose by drag and drop and paste, edit in Monaco, the same greedy answer in the browser and on the server, kept as a notebook cell", async () => {
  test.setTimeout(300_000);
  // The Examples stay as other tests expect them: compose on a fork in "My library".
  const list = (await (await page.request.get("/api/templates")).json()) as { templates: { id: string; name: string; libraryName: string }[] };
  const example = list.templates.find((t) => t.name === EXAMPLE && t.libraryName === "Examples");
  expect(example, EXAMPLE).toBeTruthy();
  const libraryId = await libraryIdByName(page.request, "", "My library");
  const fork = await page.request.post(`/api/templates/${example!.id}/fork`, { data: { libraryId, name: `Cats and cars (notebook e2e ${stamp})` } });
  expect(fork.status()).toBe(201);
  const { template } = (await fork.json()) as { template: { id: string } };
  cleanup.templates.push(template.id);
  await page.goto(`/templates/${template.id}/edit`);
  const source = new SourceEditor(page);
  await source.ready();
  const composer = page.getByTestId("composer");
  await expect(composer.getByTestId("composer-shot")).toHaveCount(4);
  expect(await answersOf(page)).toEqual(["dax", "blicket", "dax", "blicket"]);

  // Mouse drag and drop: the third shot down onto the fourth, both mid-viewport (dragging near an edge scrolls the page).
  await composer.getByTestId("composer-shot").nth(2).evaluate((el) => el.scrollIntoView({ block: "start" }));
  await page.evaluate(() => window.scrollBy(0, -250));
  const handle = composer.getByTestId("shot-handle").nth(2);
  const grip = (await handle.boundingBox())!;
  const [third, fourth] = [(await composer.getByTestId("composer-shot").nth(2).boundingBox())!, (await composer.getByTestId("composer-shot").nth(3).boundingBox())!];
  await pointerDrag(handle, { x: grip.x + grip.width / 2, y: grip.y + grip.height / 2 + (fourth.y - third.y) });
  await expect.poll(() => answersOf(page)).toEqual(["dax", "blicket", "blicket", "dax"]);

  // Paste a new query image (a real ClipboardEvent carrying a file), then drop the old one.
  const query = composer.getByTestId("composer-query");
  const oldQueryImage = await query.getByTestId("composer-image").first().getAttribute("data-asset-id");
  const png = fs.readFileSync(path.join(process.cwd(), "lib/examples/images/grinning-cat.png"));
  const pastedId = createHash("sha256").update(png).digest("hex");
  await pasteImage(query, png);
  await expect(query.locator(`[data-testid="composer-image"][data-asset-id="${pastedId}"]`)).toBeVisible();
  await query.locator(`[data-testid="composer-image"][data-asset-id="${oldQueryImage}"]`).getByTestId("block-remove").click();
  await expect(query.getByTestId("composer-image")).toHaveCount(1);
  await expect(page.getByTestId("stat-images")).toContainText("5 images");

  // Monaco: rename the prompt in the source; the composer follows at once.
  const doc = JSON.parse(await source.text()) as { name: string; query: { blocks: { type: string; source?: { assetId?: string } }[] } };
  expect(doc.query.blocks.map((b) => b.source?.assetId ?? b.type)).toEqual([pastedId, "text"]);
  doc.name = `Cat or car? (notebook e2e ${stamp})`;
  await source.setDocument(doc);
  await expect(composer.getByTestId("composer-name")).toHaveValue(doc.name);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: ".tmp/screenshots/notebook-composer.png" });

  // Run what is being composed, on the server and in the browser (WASM): the same greedy answer.
  const run = page.getByTestId("run-panel");
  await expect(page.getByTestId("asset-picker")).toHaveCount(1);
  // The fork is a classification: its Run panel opens on Rank.
  await expect(run.getByTestId("run-tab-rank")).toHaveAttribute("aria-selected", "true");
  await run.getByTestId("run-tab-generate").click();
  const generate = async (backend: "server" | "wasm") => {
    await run.locator(`label:has([data-testid="run-backend-${backend}"])`).click();
    await run.locator('label:has([data-testid="run-mode-greedy"])').click();
    await run.getByTestId("run-start").click();
    await expect(run.getByTestId("run-phase")).toHaveAttribute("data-phase", /done|error|cancelled/, { timeout: 120_000 });
    await expect(run.getByTestId("run-phase")).toHaveAttribute("data-phase", "done");
    return (await run.getByTestId("run-text").textContent()) ?? "";
  };
  const onServer = await generate("server");
  await expect(run.getByTestId("run-provider")).toHaveText(/^Server · (CPU|CUDA)$/);
  const inBrowser = await generate("wasm");
  await expect(run.getByTestId("run-provider")).toHaveText("Browser · WASM");
  expect(onServer.trim().length).toBeGreaterThan(0);
  expect(inBrowser).toBe(onServer);
  answer = inBrowser;

  // Keep it: a new notebook whose first cell is this prompt, with this run.
  const nbName = `Pets and vehicles ${stamp}`;
  await run.getByTestId("save-to-notebook-name").fill(nbName);
  await run.getByTestId("save-to-notebook-title").fill("Grinning cat query");
  await run.getByTestId("save-to-notebook").click();
  const link = run.getByTestId("saved-to-notebook-link");
  await expect(link).toHaveText(nbName);
  notebookUrl = (await link.getAttribute("href"))!;
  cleanup.notebooks.push(notebookUrl.split("/").pop()!);
  // The template's edits are not saved (only this run, in the notebook): leaving asks first.
  const asked = new Promise<string>((resolve) => page.once("dialog", (d) => (resolve(d.type()), void d.accept())));
  await link.click();
  expect(await asked).toBe("confirm");
  await page.waitForURL((u) => u.pathname === notebookUrl);

  const nb = new NotebookPage(page);
  for (const pass of ["after saving", "after a reload"]) {
    await expect(nb.cells, pass).toHaveCount(1);
    await expect(nb.cell(0).getByTestId("cell-title")).toHaveValue("Grinning cat query");
    await expect(nb.cell(0).getByTestId("cell-prompt-preview")).toHaveAttribute("data-prompt", /^<image>Output:dax<\|endofchunk\|>\n<image>Output:blicket<\|endofchunk\|>\n<image>Output:blicket<\|endofchunk\|>\n<image>Output:dax<\|endofchunk\|>\n<image>Output:$/);
    await expect(nb.cell(0).getByTestId("saved-run-text").first()).toHaveText(answer);
    await expect(nb.cell(0).getByTestId("saved-run-provider").first()).toHaveText("Browser · WASM");
    await expect(nb.cell(0).getByTestId("saved-run-version").first()).toHaveText("v1");
    await expect(page.getByTestId("notebook-name")).toHaveValue(nbName);
    if (pass === "after saving") await page.reload();
  }
});

test("a notebook: run a cell on the server, add, duplicate and reorder cells by keyboard, Run all, versions", async () => {
  test.setTimeout(300_000);
  const nb = new NotebookPage(page);
  await expect(nb.cells).toHaveCount(1);

  // The same cell on the server: the same answer, a second saved run, the first one in the history.
  await nb.setBackend(0, "server");
  await nb.run(0);
  await expect(nb.cell(0).getByTestId("run-text")).toHaveText(answer);
  await expect(nb.cell(0).getByTestId("cell-run-saved")).toHaveText("Saved with notebook v2.");
  await expect(nb.cell(0).getByTestId("run-history")).toContainText("Earlier runs (1)");
  await expect(page.getByTestId("notebook-status")).toHaveText("Saved · v2");

  // Trace: hovering a generated token shows its attention over the five image cards.
  await nb.cell(0).getByTestId("trace-token").first().hover();
  await expect(nb.cell(0).getByTestId("trace-image")).toHaveCount(5);
  await nb.cell(0).getByTestId("trace-token").first().focus();
  await expect(nb.cell(0).getByTestId("trace-detail")).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: ".tmp/screenshots/notebook.png", fullPage: true });
  const box = (await nb.cell(0).getByTestId("trace-view").boundingBox())!;
  await page.screenshot({ path: ".tmp/screenshots/notebook-trace.png", fullPage: true, clip: { x: box.x - 12, y: box.y - 12, width: box.width + 24, height: box.height + 24 } });

  // A library template as a second cell, following its latest version; then a copy of it.
  await page.getByTestId("add-cell-template").selectOption({ label: "Yes/no question" });
  await page.getByTestId("add-cell").click();
  await expect(nb.cells).toHaveCount(2);
  await expect(nb.cell(1).getByTestId("cell-prompt")).toHaveAttribute("data-kind", "template");
  await expect(nb.cell(1).getByTestId("cell-prompt-preview")).toHaveAttribute("data-prompt", /Question:Can you eat this\? Short answer:$/);
  await nb.cell(1).getByTestId("cell-title").fill("Doughnut");
  await nb.cell(1).getByTestId("cell-duplicate").click();
  await expect(nb.cells).toHaveCount(3);
  await expect(nb.cell(2).getByTestId("cell-title")).toHaveValue("Doughnut (copy)");
  await expect(page.getByTestId("notebook-status")).toHaveText("Unsaved changes");

  // Keyboard drag and drop: the copy moves to the top (Space lifts, arrows move, Space drops).
  await nb.keyboardMove(2, "ArrowUp", 2);
  await expect.poll(() => nb.titles()).toEqual(["Doughnut (copy)", "Grinning cat query", "Doughnut"]);
  await expect(nb.cell(0).getByTestId("cell-handle")).toBeFocused();
  // Remove is undoable.
  await nb.cell(1).getByTestId("cell-remove").click();
  await expect(nb.cells).toHaveCount(2);
  await page.getByTestId("cell-undo-remove").click();
  await expect.poll(() => nb.titles()).toEqual(["Doughnut (copy)", "Grinning cat query", "Doughnut"]);
  await expect(nb.cell(1).getByTestId("cell-title")).toBeFocused();

  // Rank mode on the copy, then Run all in order: each run saved; the unsaved edits saved first as v3.
  await nb.cell(0).getByTestId("cell-mode-rank").click();
  await nb.setBackend(0, "server");
  await nb.setBackend(2, "server");
  await page.getByTestId("run-all").click();
  await expect(page.getByTestId("run-all-status")).toBeVisible();
  await expect(page.getByTestId("run-all")).toBeEnabled({ timeout: 180_000 });
  for (const i of [0, 1, 2]) await expect(nb.cell(i).getByTestId("cell-run-saved")).toHaveText("Saved with notebook v3.");
  await expect(nb.cell(0).getByTestId("rank-row")).toHaveCount(2);
  await expect(nb.cell(1).getByTestId("run-text")).toHaveText(answer);
  await expect(page.getByTestId("cell-count")).toHaveText("3 cells · 5 saved runs");

  // A named version, then back to v1 (restore is a new version), and the history survives a reload.
  await nb.cell(2).getByTestId("cell-title").fill("Doughnut, renamed");
  await page.getByTestId("notebook-message").fill("renamed a cell");
  await page.keyboard.press("Control+s");
  await expect(page.getByTestId("notebook-status")).toHaveText("Saved · v4");
  // The server page resolves the library cells' templates: ready to run after a reload.
  await page.reload();
  await expect.poll(() => nb.titles()).toEqual(["Doughnut (copy)", "Grinning cat query", "Doughnut, renamed"]);
  await expect(nb.cell(2).getByTestId("cell-prompt-preview")).toHaveAttribute("data-prompt", /Short answer:$/);
  await expect(nb.cell(2).getByTestId("run-start")).toBeEnabled();
  await expect(nb.cell(0).getByTestId("rank-chart")).toBeVisible();
  await page.getByTestId("notebook-versions").locator("summary").click();
  await expect(page.getByTestId("notebook-version").first()).toContainText("v4 · renamed a cell");
  await page.getByTestId("notebook-version").filter({ hasText: /^v1/ }).getByTestId("notebook-restore").click();
  await expect(page.getByTestId("notebook-status")).toHaveText("Saved · v5");
  await expect(nb.cells).toHaveCount(1);
  await page.reload();
  await expect(nb.cells).toHaveCount(1);
  await expect(nb.cell(0).getByTestId("saved-run-text").first()).toHaveText(answer);
  await expect(nb.cell(0).getByTestId("run-history")).toContainText("Earlier runs (2)");
  await page.getByTestId("notebook-versions").locator("summary").click();
  await expect(page.getByTestId("notebook-version").first()).toContainText("v5 · Restored version 1");
});

test("listed beside templates in the library and on /notebooks, with search; 390 px without overflow", async () => {
  const name = `Pets and vehicles ${stamp}`;
  await page.goto(`/?view=notebooks&search=${encodeURIComponent(String(stamp))}`);
  await expect(page.getByTestId("library-view-notebooks")).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("notebook-card")).toHaveCount(1);
  await expect(page.getByTestId("notebook-card")).toContainText(name);
  await expect(page.getByTestId("notebook-card")).toContainText("1 cell · 5 runs");
  await page.getByTestId("library-view-templates").click();
  await expect(page.getByTestId("template-card")).toHaveCount(1);

  await page.goto("/notebooks");
  await page.getByTestId("notebook-search").fill(`vehicles ${stamp}`);
  await page.getByTestId("notebook-search").press("Enter");
  await expect(page.getByTestId("notebook-card")).toHaveCount(1);
  await page.getByTestId("notebook-card-link").click();
  await page.waitForURL((u) => u.pathname === notebookUrl);

  await page.setViewportSize({ width: 390, height: 844 });
  try {
    for (const url of [notebookUrl, "/notebooks", "/?view=notebooks"]) {
      await page.goto(url);
      await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Comparisons" })).toBeInViewport();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, url).toBeLessThanOrEqual(0);
    }
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  // The library file carries the notebook with its versions and runs: imported into a fresh database, it exports the same.
  const libraryId = await libraryIdByName(page.request, "", "My library");
  const file = await exportWithoutTimestamp(page.request, "", libraryId);
  const exported = (file.notebooks as { name: string; versions: unknown[]; runs: unknown[] }[]).find((n) => n.name === name);
  expect(exported).toMatchObject({ versions: { length: 5 }, runs: { length: 5 } });
  const copyName = `Round trip ${stamp}`;
  const imported = await page.request.post(`${freshBaseURL}/api/libraries/import?name=${encodeURIComponent(copyName)}`, { data: { ...file, exportedAt: new Date().toISOString() } });
  expect(imported.status(), await imported.text()).toBe(201);
  const copyId = await libraryIdByName(page.request, freshBaseURL, copyName);
  const again = await exportWithoutTimestamp(page.request, freshBaseURL, copyId);
  expect({ ...again, library: undefined }).toEqual({ ...file, library: undefined });
  const list = (await (await page.request.get(`${freshBaseURL}/api/notebooks?libraryId=${copyId}&search=${stamp}`)).json()) as { notebooks: { id: string; runCount: number }[] };
  expect(list.notebooks).toMatchObject([{ runCount: 5 }]);
  await page.goto(`${freshBaseURL}/notebooks/${list.notebooks[0]!.id}`);
  await expect(nbPage(page).cell(0).getByTestId("saved-run-text").first()).toHaveText(answer);

  // Deleting asks first, then goes back to the list without it.
  await page.goto(notebookUrl);
  await page.getByTestId("notebook-delete").click();
  await page.getByTestId("notebook-delete-confirm").click();
  await page.waitForURL((u) => u.pathname === "/notebooks");
  await expect(page.locator(`[data-testid="notebook-card"][data-notebook-id="${notebookUrl.split("/").pop()}"]`)).toHaveCount(0);
  expect((await page.request.get(`/api/notebooks/${notebookUrl.split("/").pop()}`)).status()).toBe(404);
});
