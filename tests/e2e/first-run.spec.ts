import { expect, test, type Page } from "@playwright/test";
import { mkdir } from "node:fs/promises";
import { exampleIds, watchConsole } from "./support";

/**
 * The first ten minutes, as a new user meets them (production build): the home page's one button
 * that shows few-shot learning at 0, 1 and 4 shots, above the fold, within a minute; two comparisons
 * with distinct default names, overlaid in their own colours with a legend entry and compared cell
 * by cell; the trace view's summary, kept open on click; the library searched as you type, its import
 * conflict in a dialog, its list reachable on a phone. Every wait is on the page's state.
 */
const TEMPLATE = "Classification with novel words (dax or blicket)";
const DATASET = "Novel emoji (2-way)";
const SHOTS = [0, 1, 4];
const QUERIES = 4;

let page: Page;
const problems: string[] = [];
/** Console messages a test expects (the browser logs a refused request), not counted as problems. */
let expected: RegExp[] = [];

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  watchConsole(page, problems, () => expected);
  await mkdir(".tmp/screenshots", { recursive: true });
});

test.afterAll(async () => {
  await page.close();
});

test.afterEach(() => {
  expected = [];
  expect(problems).toEqual([]);
});

test("the home page's button shows the answer at 0, 1 and 4 shots, above the fold, within a minute", async () => {
  await page.goto("/");
  const panel = page.getByTestId("first-run");
  const start = panel.getByTestId("first-run-start");
  await expect(start).toHaveText("See few-shot learning work");
  await expect(start).toBeInViewport();

  const t0 = Date.now();
  await start.click();
  const steps = panel.getByTestId("first-run-step");
  await expect(steps).toHaveCount(3);
  for (const [i, shots] of SHOTS.entries()) {
    await expect(steps.nth(i)).toHaveAttribute("data-shots", String(shots));
    await expect(steps.nth(i)).toHaveAttribute("data-state", "done", { timeout: 60_000 });
  }
  const seconds = (Date.now() - t0) / 1000;
  expect(seconds).toBeLessThan(60);

  // Three answers, each one of the candidates, with the ranking bars and a sentence on what happened.
  const answers = await steps.evaluateAll((els) => els.map((e) => e.getAttribute("data-answer")));
  for (const a of answers) expect(["dax", "blicket"]).toContain(a);
  for (const i of [0, 1, 2]) {
    await expect(steps.nth(i).getByTestId("first-run-bar")).toHaveCount(2);
    await expect(steps.nth(i).getByTestId("first-run-explanation")).not.toBeEmpty();
  }
  // The prompts' images: none, the last one, all four demonstrations.
  expect(await Promise.all([0, 1, 2].map((i) => steps.nth(i).getByTestId("first-run-demo").count()))).toEqual([0, 1, 4]);
  await expect(panel.getByTestId("first-run-summary")).toContainText("The answer");
  // With four examples the bundled model names the cat: "dax", as the demonstrations of cats do.
  await expect(steps.nth(2)).toHaveAttribute("data-answer", "dax");
  await expect(steps.nth(2)).toHaveAttribute("data-correct", "true");
  await expect(steps.nth(2).locator('[data-testid="first-run-demo"][data-agrees="true"]')).toHaveCount(2);

  // All of it above the fold: nothing scrolled, every answer and the summary inside the viewport.
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  for (const i of [0, 1, 2]) await expect(steps.nth(i)).toBeInViewport({ ratio: 1 });
  await expect(panel.getByTestId("first-run-summary")).toBeInViewport({ ratio: 1 });
  // Onward: the template, and a comparison over the example dataset.
  await expect(panel.getByTestId("first-run-template-link")).toHaveAttribute("href", /^\/templates\//);
  await expect(panel.getByTestId("first-run-comparison-link")).toHaveAttribute("href", /^\/sweeps\//);
  console.log(`first run: ${answers.join(" → ")} in ${seconds.toFixed(1)} s`);
  await page.screenshot({ path: ".tmp/screenshots/first-run.png" });
});

test("two sweeps get distinct names; overlaid, the second has its own colour, a legend entry, and the grid shows both per item × shots", async () => {
  test.setTimeout(240_000);
  const { templateId, datasetId } = await exampleIds(page.request, "", TEMPLATE, DATASET);
  const ids: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < 2; i++) {
    // No name given: the server picks one.
    const res = await page.request.post("/api/sweeps", { data: { templateId, datasetId, shots: SHOTS, mode: "rank", backend: "server", queries: QUERIES } });
    expect(res.status()).toBe(201);
    const { sweep } = (await res.json()) as { sweep: { id: string; name: string } };
    ids.push(sweep.id);
    names.push(sweep.name);
  }
  expect(names[0]).toMatch(new RegExp(`^${TEMPLATE.replace(/[()]/g, "\\$&")} × ${DATASET.replace(/[()]/g, "\\$&")} · rank, `));
  expect(names[1]).not.toBe(names[0]);
  for (const id of ids) {
    await expect.poll(async () => ((await (await page.request.get(`/api/sweeps/${id}`)).json()) as { sweep: { status: string } }).sweep.status, { timeout: 180_000 }).toBe("done");
  }

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/sweeps/${ids[0]}`);
  // The chart says what 0 shots measures and where the labels come from.
  await expect(page.locator('[data-testid="sweep-note"][data-note="zero"]')).toContainText("prior between the candidate answers");
  await expect(page.locator('[data-testid="sweep-note"][data-note="labels"]')).toContainText("not used");
  // "Compare with" names the other sweep by what tells it apart, not a truncated shared prefix.
  const option = page.getByTestId("overlay-select").locator(`option[value="${ids[1]}"]`);
  await expect(option).toHaveText(/^rank, .* · done$/);
  await page.getByTestId("overlay-select").selectOption(ids[1]!);
  await page.waitForURL(new RegExp(`overlay=${ids[1]}`));

  const mine = page.locator('[data-testid="chart-series"][data-source="0"]');
  const theirs = page.locator('[data-testid="chart-series"][data-source="1"]');
  await expect(mine).toHaveCount(1);
  await expect(theirs).toHaveCount(1);
  const [c0, c1] = [await mine.getAttribute("data-color"), await theirs.getAttribute("data-color")];
  expect(c1).not.toBe(c0);
  const legend = page.locator('[data-testid="legend-item"][data-source="1"]');
  await expect(legend).toHaveCount(1);
  await expect(legend).toHaveAttribute("data-color", c1!);
  await expect(page.locator('[data-testid="legend-item"][data-source="0"]')).toHaveAttribute("data-color", c0!);

  // The grid compares both sweeps: every item × shot count holds one result of each.
  const grid = page.getByTestId("results-grid");
  await expect(grid).toHaveAttribute("data-view", "sweeps");
  await expect(page.getByTestId("grid-compare-sweeps")).toHaveAttribute("aria-pressed", "true");
  const cells = grid.getByTestId("grid-compare-cell");
  await expect(cells).toHaveCount(QUERIES * SHOTS.length);
  await expect(grid.locator('[data-testid="grid-engine-output"][data-source="0"][data-state="correct"], [data-testid="grid-engine-output"][data-source="0"][data-state="wrong"]')).toHaveCount(QUERIES * SHOTS.length);
  await expect(grid.locator('[data-testid="grid-engine-output"][data-source="1"][data-state="correct"], [data-testid="grid-engine-output"][data-source="1"][data-state="wrong"]')).toHaveCount(QUERIES * SHOTS.length);
  await expect(grid.locator('[data-testid="grid-line-key"][data-source="1"]')).toHaveAttribute("data-color", c1!);
  // Same plan, same model: the two sweeps agree cell by cell.
  await expect(grid.locator('[data-testid="grid-compare-cell"][data-agreement="agree"]')).toHaveCount(QUERIES * SHOTS.length);
  // A cell opens its prompt with both sweeps' outcomes.
  await cells.first().click();
  const dialog = page.getByTestId("prompt-dialog");
  await expect(dialog.getByTestId("prompt-outcome")).toHaveCount(2);
  await expect(dialog.getByTestId("cell-prompt")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: ".tmp/screenshots/sweeps-compared.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });
});

test("the trace view's summary shows after a run and a token's details stay open on click", async () => {
  test.setTimeout(180_000);
  const { templateId } = await exampleIds(page.request, "", TEMPLATE, DATASET);
  await page.goto(`/templates/${templateId}`);
  const run = page.getByTestId("run-panel");
  await run.getByTestId("run-tab-generate").click();
  await run.locator('label:has([data-testid="run-backend-server"])').click();
  await expect(run.getByTestId("run-backend-server")).toBeChecked();
  await run.getByTestId("run-start").click();
  await expect(run.getByTestId("run-phase")).toHaveAttribute("data-phase", /done|error|cancelled/, { timeout: 90_000 });
  await expect(run.getByTestId("run-phase")).toHaveAttribute("data-phase", "done");

  const summary = run.getByTestId("trace-summary");
  await expect(summary).toBeVisible();
  await expect(run.getByTestId("trace-summary-looked")).toContainText("the query");
  await expect(run.getByTestId("trace-summary-gates")).toContainText("gates");
  // No hover needed for the summary; a click keeps a token's details open after the pointer leaves.
  const token = run.getByTestId("trace-token").first();
  await token.click();
  await expect(token).toHaveAttribute("aria-pressed", "true");
  const detail = run.getByTestId("trace-detail");
  await expect(detail).toHaveAttribute("data-pinned", "true");
  // The pointer leaves and the token loses focus: the details stay.
  await page.mouse.move(0, 0);
  await token.evaluate((el) => (el as HTMLElement).blur());
  await expect(token).not.toBeFocused();
  await expect(detail).toBeVisible();
  await expect(detail).toHaveAttribute("data-pinned", "true");
  await expect(detail.getByTestId("trace-gates")).toBeVisible();
  await expect(summary).toBeVisible();
  await run.getByTestId("trace-unpin").click();
  await expect(token).toHaveAttribute("aria-pressed", "false");
});

test("the library filters as you type, and its list is reachable on a 390 px screen", async () => {
  await page.goto("/");
  const cards = page.getByTestId("template-card");
  await expect(cards.first()).toBeVisible();
  const all = await cards.count();
  await page.getByTestId("search-input").pressSequentially("blick");
  // No Enter, no button: the list follows the field.
  await expect(page).toHaveURL(/[?&]search=blick/);
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText("dax or blicket");
  await expect(page.getByTestId("search-input")).toBeFocused();
  await expect(page.getByTestId("search-input")).toHaveValue("blick");
  await page.getByTestId("search-input").fill("");
  await expect(page).not.toHaveURL(/search=/);
  await expect(cards).toHaveCount(all);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/");
  const toggle = page.getByTestId("library-list-toggle");
  await expect(toggle).toBeVisible();
  await expect(page.getByTestId("library-list")).toBeHidden();
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  const examples = page.getByTestId("library-item").filter({ hasText: "Examples" });
  await expect(examples).toBeVisible();
  await examples.getByRole("link").first().click();
  await expect(page).toHaveURL(/[?&]library=/);
  await expect(page.getByTestId("library-list-toggle")).toContainText("Examples");
  await page.screenshot({ path: ".tmp/screenshots/library-390-list.png" });
  await page.setViewportSize({ width: 1280, height: 720 });
});

test("importing a library whose name is taken asks for another name in a dialog", async () => {
  const libraries = ((await (await page.request.get("/api/libraries")).json()) as { libraries: { id: string; name: string; kind: string }[] }).libraries;
  const mine = libraries.find((l) => l.kind === "user")!;
  const file = await (await page.request.get(`/api/libraries/${mine.id}/export`)).body();

  await page.goto("/");
  // The server refuses the taken name with a 409, which the browser logs.
  expected = [/status of 409/];
  await page.getByTestId("import-library-input").setInputFiles({ name: "library.json", mimeType: "application/json", buffer: file });
  const dialog = page.getByTestId("import-rename-dialog");
  await expect(dialog).toBeVisible();
  expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open && d.matches(":modal"))).toBe(true);
  await expect(dialog).toBeInViewport({ ratio: 1 });
  await expect(dialog).toContainText(`A library named “${mine.name}” already exists`);
  await expect(page.getByTestId("import-name")).toBeFocused();
  await expect(page.getByTestId("import-name")).toHaveValue(`${mine.name} (imported)`);
  await page.getByTestId("import-rename-cancel").click();
  await expect(dialog).toBeHidden();
  // Nothing was imported.
  const after = ((await (await page.request.get("/api/libraries")).json()) as { libraries: unknown[] }).libraries;
  expect(after).toHaveLength(libraries.length);
});
