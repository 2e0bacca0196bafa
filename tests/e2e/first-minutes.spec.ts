import { createHash } from "node:crypto";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { SourceEditor, libraryIdByName, makePng, watchConsole } from "./support";

/**
 * Issue 16, "The first ten minutes", as a new user meets it in headless Chromium: unsaved work in
 * the template editor and a notebook is never lost (leaving through the top bar, a breadcrumb or
 * Back asks first; what was left is kept as a draft and offered again), a new template runs before
 * it is saved from any starter (an uploaded query image fills the image variable), the dax/blicket
 * example opens on Rank, a new own-prompt cell says how to start, and an empty answer says why.
 */
const EXAMPLE = "Classification with novel words (dax or blicket)";
const DRAFT = "flamingo-studio:draft:";

const cleanup: { templates: string[]; notebooks: string[] } = { templates: [], notebooks: [] };

test.afterAll(async ({ request }) => {
  for (const id of cleanup.notebooks) await request.delete(`/api/notebooks/${id}`);
  for (const id of cleanup.templates) await request.delete(`/api/templates/${id}`);
});

/** Click something that asks before leaving, answer the confirm dialog, and return its message. */
async function clickAnswering(target: Locator, answer: "accept" | "dismiss"): Promise<string> {
  const page = target.page();
  const asked = new Promise<string>((resolve, reject) =>
    page.once("dialog", (d) => {
      if (d.type() !== "confirm") reject(new Error(`a ${d.type()} dialog, not a confirm`));
      resolve(d.message());
      void (answer === "accept" ? d.accept() : d.dismiss());
    }),
  );
  await target.click();
  return asked;
}

/** Back or Forward in the browser's history (to another page of the app), answering the confirm dialog it raises. */
async function historyAnswering(page: Page, way: "back" | "forward", answer: "accept" | "dismiss"): Promise<string> {
  const asked = new Promise<string>((resolve, reject) =>
    page.once("dialog", (d) => {
      if (d.type() !== "confirm") reject(new Error(`a ${d.type()} dialog, not a confirm`));
      resolve(d.message());
      void (answer === "accept" ? d.accept() : d.dismiss());
    }),
  );
  await page.evaluate((w) => (w === "back" ? history.back() : history.forward()), way);
  return asked;
}

const drafts = (page: Page) => page.evaluate((prefix) => Object.keys(localStorage).filter((k) => k.startsWith(prefix)), DRAFT);
const nav = (page: Page, name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name });
const breadcrumb = (page: Page) => page.getByRole("navigation", { name: "Breadcrumb" });

async function templateIdByName(page: Page, name: string, library = "Examples"): Promise<string> {
  const { templates } = (await (await page.request.get("/api/templates")).json()) as { templates: { id: string; name: string; libraryName: string }[] };
  const t = templates.find((x) => x.name === name && x.libraryName === library);
  expect(t, name).toBeTruthy();
  return t!.id;
}

test("leaving a dirty template editor asks first; the draft comes back, then is discarded or saved", async ({ page }) => {
  const problems = watchConsole(page);
  const libraryId = await libraryIdByName(page.request, "", "My library");
  const name = `First minutes ${Date.now()}`;
  const fork = await page.request.post(`/api/templates/${await templateIdByName(page, EXAMPLE)}/fork`, { data: { libraryId, name } });
  expect(fork.status()).toBe(201);
  const { template } = (await fork.json()) as { template: { id: string } };
  cleanup.templates.push(template.id);
  const editUrl = `/templates/${template.id}/edit`;

  // In through the app, so that Back has a page of the app to go to.
  await page.goto(`/templates/${template.id}`);
  await page.getByTestId("edit-source-link").click();
  await page.waitForURL((u) => u.pathname === editUrl);
  const editor = new SourceEditor(page);
  await editor.ready();
  const root = page.getByTestId("template-source-editor");
  // The first demonstration's answer ("dax"): what the user edits.
  const answer = page.getByTestId("composer-answer").first();
  await expect(root).toHaveAttribute("data-dirty", "false");
  await answer.fill("wug");
  await expect(root).toHaveAttribute("data-dirty", "true");

  // The top bar: declined, nothing happens; the edit is still there.
  expect(await clickAnswering(nav(page, "Notebooks"), "dismiss")).toMatch(/unsaved changes/);
  await expect(page).toHaveURL(new RegExp(`${editUrl}$`));
  await expect(answer).toHaveValue("wug");
  // Back: declined, the page stays (the router never left it).
  expect(await historyAnswering(page, "back", "dismiss")).toMatch(/unsaved changes/);
  await expect(page).toHaveURL(new RegExp(`${editUrl}$`));
  await expect(answer).toHaveValue("wug");

  // The breadcrumb: accepted, we leave; the template is as it was (v1).
  await clickAnswering(breadcrumb(page).getByRole("link", { name }), "accept");
  await page.waitForURL((u) => u.pathname === `/templates/${template.id}`);
  await expect(page.getByTestId("version-item")).toHaveCount(1);
  expect(await drafts(page)).toEqual([`${DRAFT}template:${template.id}@v1`]);

  // Back in the editor: the draft is offered back; Discard returns to v1 and forgets it.
  await page.getByTestId("edit-source-link").click();
  await editor.ready();
  await expect(page.getByTestId("draft-restored")).toContainText(/Restored unsaved changes from \d\d:\d\d/);
  await expect(answer).toHaveValue("wug");
  await expect(root).toHaveAttribute("data-dirty", "true");
  await page.getByTestId("draft-discard").click();
  await expect(page.getByTestId("draft-restored")).toHaveCount(0);
  await expect(answer).toHaveValue("dax");
  await expect(root).toHaveAttribute("data-dirty", "false");
  await expect.poll(() => drafts(page)).toEqual([]);

  // Another edit, left through the top bar, found again on return (a reload this time), then saved: the draft is gone.
  await answer.fill("blicket");
  await expect.poll(() => drafts(page)).toHaveLength(1);
  await clickAnswering(nav(page, "Library"), "accept");
  await page.waitForURL((u) => u.pathname === "/");
  await page.goto(editUrl);
  await editor.ready();
  await expect(page.getByTestId("draft-restored")).toBeVisible();
  await expect(answer).toHaveValue("blicket");
  await editor.save("kept from a draft");
  await page.waitForURL((u) => u.pathname === `/templates/${template.id}`);
  await expect(page.getByTestId("version-item")).toHaveCount(2);
  expect(await drafts(page)).toEqual([]);
  const saved = (await (await page.request.get(`/api/templates/${template.id}`)).json()) as { template: { document: { shots: { answer: string }[] } } };
  expect(saved.template.document.shots[0]!.answer).toBe("blicket");
  // Nothing unsaved now: the nav bar leaves without asking.
  await page.getByTestId("edit-source-link").click();
  await editor.ready();
  await expect(page.getByTestId("draft-restored")).toHaveCount(0);
  await nav(page, "Notebooks").click();
  await page.waitForURL((u) => u.pathname === "/notebooks");
  expect(problems).toEqual([]);
});

test("leaving a dirty notebook asks first; a new own-prompt cell says how to start; an empty answer says why", async ({ page }) => {
  const problems = watchConsole(page, [], () => [/status of 4\d\d/]);
  const libraryId = await libraryIdByName(page.request, "", "My library");
  const created = await page.request.post("/api/notebooks", { data: { libraryId, document: { formatVersion: 1, name: `First minutes ${Date.now()}`, cells: [] } } });
  expect(created.status()).toBe(201);
  const { notebook } = (await created.json()) as { notebook: { id: string } };
  cleanup.notebooks.push(notebook.id);
  const url = `/notebooks/${notebook.id}`;
  await page.goto(url);
  const cells = page.getByTestId("notebook-cell");
  const status = page.getByTestId("notebook-status");

  // A new own-prompt cell starts with what to do, not an error; it runs where every new run does.
  await page.getByTestId("add-inline-cell").click();
  await expect(cells).toHaveCount(1);
  const cell = cells.first();
  await expect(cell.getByTestId("cell-start-hint")).toContainText("Add an image and some text to start");
  await expect(cell.getByTestId("error-notice")).toHaveCount(0);
  await expect(cell.getByTestId("cell-params-summary")).toContainText("Browser · WebGPU");
  await expect(status).toHaveText("Unsaved changes");

  // The top bar, declined; the breadcrumb, accepted.
  await clickAnswering(nav(page, "Library"), "dismiss");
  await expect(page).toHaveURL(new RegExp(`${url}$`));
  await expect(cells).toHaveCount(1);
  await clickAnswering(breadcrumb(page).getByRole("link", { name: "Notebooks" }), "accept");
  await page.waitForURL((u) => u.pathname === "/notebooks");

  // Back: the cell is offered back; saved, the draft goes.
  await page.goBack();
  await page.waitForURL((u) => u.pathname === url);
  await expect(page.getByTestId("draft-restored")).toContainText("Restored unsaved changes from");
  await expect(cells).toHaveCount(1);
  await expect(status).toHaveText("Unsaved changes");
  await page.getByTestId("notebook-save").click();
  await expect(status).toHaveText("Saved · v2");
  await expect.poll(() => drafts(page)).toEqual([]);

  // Another cell, left by Forward (to /notebooks again: accepted) and discarded on return.
  await page.getByTestId("add-inline-cell").click();
  await expect(cells).toHaveCount(2);
  await historyAnswering(page, "forward", "accept");
  await page.waitForURL((u) => u.pathname === "/notebooks");
  await page.goBack();
  await page.waitForURL((u) => u.pathname === url);
  await expect(cells).toHaveCount(2);
  await page.getByTestId("draft-discard").click();
  await expect(cells).toHaveCount(1);
  await expect(status).toHaveText("Saved · v2");
  await expect.poll(() => drafts(page)).toEqual([]);

  // An image dropped into the cell's prompt fills {{query_image}}: the hint goes, the cell can run.
  await cell.getByTestId("cell-edit-prompt").click();
  const png = await makePng(Date.now() % 773);
  await cell.getByTestId("composer-upload-input").setInputFiles({ name: "query.png", mimeType: "image/png", buffer: png });
  const id = createHash("sha256").update(png).digest("hex");
  await expect(cell.locator(`[data-testid="composer-image"][data-image-variable="query_image"][data-bound-asset-id="${id}"]`)).toBeVisible();
  await expect(cell.getByTestId("composer-image")).toHaveCount(1);
  await expect(cell.getByTestId("cell-start-hint")).toHaveCount(0);
  await expect(cell.getByTestId("bind-query_image").locator("img")).toBeVisible();

  // A zero-token answer (the engine's, stubbed: <|endofchunk|> first) explains itself.
  await page.route("**/api/runs", (route) =>
    route.fulfill({
      status: 200,
      contentType: "text/event-stream",
      body: `event: done\ndata: ${JSON.stringify({ text: "", tokenIds: [], finishReason: "stop_token", usage: { promptTokens: 4, completionTokens: 0, images: 1 }, timings: { encodeMs: 1, prefillMs: 1, decodeMs: 0, tokensPerSecond: 0 }, executionProvider: "cpu" })}\n\n`,
    }),
  );
  await cell.getByTestId("cell-params-summary").click();
  await cell.locator('label:has([data-testid="run-backend-server"])').click();
  await cell.getByTestId("run-start").click();
  await expect(cell.getByTestId("run-phase")).toHaveAttribute("data-phase", /done|error/);
  await expect(cell.getByTestId("run-empty-reason")).toContainText("The model ended the answer at once (<|endofchunk|> as the first token): with 0 shots it has no example of the answer's form — add a demonstration or use Rank.");
  await expect(cell.getByTestId("cell-run-saved")).toBeVisible();
  await page.unroute("**/api/runs");
  expect(problems).toEqual([]);
});

test("a new template runs before it is saved, from each starter; an uploaded query image fills the image variable", async ({ page }) => {
  test.setTimeout(240_000);
  const problems = watchConsole(page);
  await page.goto("/templates/new");
  const editor = new SourceEditor(page);
  await editor.ready();
  const run = page.getByTestId("run-panel");
  const query = page.getByTestId("composer").getByTestId("composer-query");
  const slot = query.locator('[data-testid="composer-image"][data-image-variable="query_image"]');
  await expect(page.getByTestId("starter-classification")).toBeChecked();

  const expected = { classification: "rank", captioning: "generate", vqa: "generate" } as const;
  for (const [i, starter] of (["classification", "captioning", "vqa"] as const).entries()) {
    await page.locator(`label:has([data-testid="starter-${starter}"])`).click();
    await expect(page.getByTestId(`starter-${starter}`)).toBeChecked();
    // It opens on what it is for, bound to a sample image so it could run at once.
    await expect(run.getByTestId(`run-tab-${expected[starter]}`)).toHaveAttribute("aria-selected", "true");
    await expect(slot).toHaveAttribute("data-bound-asset-id", /^[0-9a-f]{64}$/);

    // The user's own query image fills the variable (no second image beside it), and the Run panel's binding follows.
    const png = await makePng(500 + i * 37 + (Date.now() % 97));
    const id = createHash("sha256").update(png).digest("hex");
    await page.getByTestId("composer-upload-input").setInputFiles({ name: `${starter}.png`, mimeType: "image/png", buffer: png });
    await expect(slot).toHaveAttribute("data-bound-asset-id", id);
    await expect(query.getByTestId("composer-image")).toHaveCount(1);
    await expect(run.getByTestId("bind-query_image").locator(`img`)).toHaveAttribute("src", new RegExp(id));
    expect(JSON.parse(await editor.text()).query.blocks[0].source).toEqual({ kind: "variable", name: "query_image" });

    await run.locator('label:has([data-testid="run-backend-server"])').click();
    if (expected[starter] === "rank") {
      await expect(run.getByTestId("run-candidates")).toHaveValue("dax\nblicket");
      await run.getByTestId("run-start").click();
      await expect(run.getByTestId("run-phase")).toHaveAttribute("data-phase", /done|error|cancelled/, { timeout: 90_000 });
      await expect(run.getByTestId("run-phase")).toHaveAttribute("data-phase", "done");
      await expect(run.getByTestId("rank-row")).toHaveCount(2);
    } else {
      await run.locator('label:has([data-testid="run-mode-greedy"])').click();
      await run.getByTestId("run-start").click();
      await expect(run.getByTestId("run-phase")).toHaveAttribute("data-phase", /done|error|cancelled/, { timeout: 90_000 });
      await expect(run.getByTestId("run-phase")).toHaveAttribute("data-phase", "done");
      await expect(run.getByTestId("run-usage")).toContainText("3 img");
    }
  }

  // Switching starters over unsaved edits asks first.
  await page.getByTestId("composer-name").fill(`First minutes VQA ${Date.now()}`);
  const dialog = new Promise<string>((resolve) => page.once("dialog", (d) => (resolve(d.message()), void d.dismiss())));
  await page.locator('label:has([data-testid="starter-captioning"])').click();
  expect(await dialog).toMatch(/Replace your changes/);
  await expect(page.getByTestId("starter-vqa")).toBeChecked();

  // A variable whose slot is removed is no longer asked for; the rest still runs.
  await slot.getByTestId("block-remove").click();
  await expect(run.getByTestId("bind-query_image")).toHaveCount(0);
  await expect(run.getByTestId("bind-question")).toHaveValue("What colour is the star?");
  await expect(run.getByTestId("run-start")).toBeEnabled();

  // Saved: it is a template like any other, and the new page's draft is gone.
  await editor.save("first version");
  await page.waitForURL((u) => /^\/templates\/(?!new$)[\w-]+$/.test(u.pathname));
  cleanup.templates.push(page.url().split("/").pop()!);
  expect(await drafts(page)).toEqual([]);
  expect(problems).toEqual([]);
});

test("the dax/blicket example opens in Rank mode, on the default backend", async ({ page }) => {
  await page.goto(`/templates/${await templateIdByName(page, EXAMPLE)}`);
  const run = page.getByTestId("run-panel");
  await expect(run.getByTestId("run-tab-rank")).toHaveAttribute("aria-selected", "true");
  await expect(run.getByTestId("run-candidates")).toHaveValue("dax\nblicket");
  await expect(run.getByTestId("run-backend-webgpu")).toBeChecked();
  // An open-ended one opens on Generate.
  await page.goto(`/templates/${await templateIdByName(page, "Image captioning")}`);
  await expect(run.getByTestId("run-tab-generate")).toHaveAttribute("aria-selected", "true");
});
