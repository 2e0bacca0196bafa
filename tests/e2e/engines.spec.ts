import { expect, test, type Browser, type Page } from "@playwright/test";
import { NewSweepPage, SweepPage, freshBaseURL, watchConsole } from "./support";

/**
 * Remote engines end to end: the second Flamingo Studio server that playwright.config.ts starts (its
 * own database) is a real OpenAI-compatible engine. Register it on the Engines page, test the
 * connection, run the 4-shot example on it with streaming (the same greedy answer as the bundled
 * model here), rank the candidates through its prompt log-probabilities (same order as here), and
 * sweep one plan on both engines: two curves.
 */
const EXAMPLE = "Classification with novel words (dax or blicket)";
const DATASET = "Novel emoji (2-way)";
const stamp = Date.now();
const ENGINE = `Second studio ${stamp}`;

let page: Page;
const problems: string[] = [];
let engineId = "";
let templateUrl = "";

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  page = await browser.newPage();
  watchConsole(page, problems);
  const { templates } = (await (await page.request.get("/api/templates")).json()) as { templates: { id: string; name: string; libraryName: string }[] };
  const example = templates.find((t) => t.name === EXAMPLE && t.libraryName === "Examples");
  expect(example, EXAMPLE).toBeTruthy();
  templateUrl = `/templates/${example!.id}`;
});

test.afterAll(async () => {
  if (engineId) await page.request.delete(`/api/engines/${engineId}`);
  await page.close();
});

test.afterEach(() => {
  expect(problems, "console errors and warnings").toEqual([]);
});

test("an engine is added on the Engines page and its connection tested", async () => {
  await page.goto("/engines");
  await expect(page.locator('[data-testid="engine-row"][data-kind="bundled"]').first()).toBeVisible();
  await page.getByTestId("engine-add").click();
  const form = page.getByTestId("engine-form");
  await form.getByTestId("engine-name").fill(ENGINE);
  await form.getByTestId("engine-base-url").fill(`${freshBaseURL}/v1`);
  await form.getByTestId("engine-model").fill("flamingo-mini");
  await form.getByTestId("engine-api-key").fill("sk-e2e-not-a-real-key");
  await form.getByTestId("engine-prompt-style-turns").check();
  // Lossless images, so the engine sees the very pixels the bundled model sees here and must answer the same
  // (JPEG, the default for hosted VLMs, shifts a near-tie greedy answer of a 32-px model).
  await form.getByTestId("engine-image-format").selectOption("png");
  // The limits: a bad value is named beside its field and nothing is saved; then real values.
  await form.getByTestId("engine-max-concurrency").fill("0");
  await form.getByTestId("engine-save").click();
  await expect(form.locator('[data-testid="engine-error"][data-field="maxConcurrency"]')).toContainText("whole number");
  await expect(form.getByTestId("engine-max-concurrency")).toHaveAttribute("aria-invalid", "true");
  await form.getByTestId("engine-max-concurrency").fill("3");
  await form.getByTestId("engine-timeout").fill("45");
  await form.getByTestId("engine-max-images").fill("64");
  await form.getByTestId("engine-max-side").fill("512");
  // Tested before saving: it lists the models, takes one and two images, and ranks exactly.
  await form.getByTestId("engine-test").click();
  const result = form.getByTestId("probe-result");
  await expect(result).toHaveAttribute("data-ok", "true", { timeout: 90_000 });
  await expect(result).toHaveAttribute("data-rank-method", "prompt_logprobs");
  await expect(form.locator('[data-testid="probe-step"][data-step="two_images"]')).toHaveAttribute("data-ok", "true");
  await form.getByTestId("engine-save").click();
  const row = page.locator('[data-testid="engine-row"][data-source="stored"]').filter({ hasText: ENGINE });
  await expect(row).toBeVisible();
  engineId = (await row.getAttribute("data-engine-id")) ?? "";
  expect(engineId).not.toBe("");
  const { engine } = (await (await page.request.get(`/api/engines/${engineId}`)).json()) as { engine: { settings: Record<string, unknown> } };
  expect(engine.settings).toMatchObject({ timeoutMs: 45_000, maxConcurrency: 3, maxImages: 64, image: { format: "png", maxSide: 512 } });
  // The key is write-only: the page and the API say only that one is set.
  expect(await page.content()).not.toContain("sk-e2e-not-a-real-key");
  expect(await (await page.request.get("/api/engines")).text()).not.toContain("sk-e2e-not-a-real-key");
  // Tested again from its row; the result is kept with the engine.
  await row.getByTestId("engine-test").click();
  await expect(row.getByTestId("probe-result")).toHaveAttribute("data-ok", "true", { timeout: 90_000 });
});

test("the 4-shot example runs on the remote engine with streaming, and ranks exactly through it", async () => {
  test.setTimeout(180_000);
  await page.goto(templateUrl);
  const panel = page.getByTestId("run-panel");
  const pick = async (value: string) => {
    await panel.locator(`label:has([data-testid="run-backend-${value}"])`).click();
    await expect(panel.getByTestId(`run-backend-${value}`)).toBeChecked();
  };
  const done = async () => {
    await expect(panel.getByTestId("run-phase")).toHaveAttribute("data-phase", /done|error|cancelled/, { timeout: 90_000 });
    await expect(panel.getByTestId("run-phase")).toHaveAttribute("data-phase", "done");
  };
  // The bundled model here first, then the same model behind the other server's /v1.
  await panel.getByTestId("run-tab-generate").click();
  await pick("server");
  await panel.locator('label:has([data-testid="run-mode-greedy"])').click();
  await panel.getByTestId("run-start").click();
  await done();
  const local = (await panel.getByTestId("run-text").textContent()) ?? "";
  await pick(`engine:${engineId}`);
  await panel.getByTestId("run-start").click();
  await done();
  await expect(panel.getByTestId("run-text")).toHaveAttribute("data-final", "true");
  expect(await panel.getByTestId("run-text").textContent()).toBe(local);
  // The inspector shows the exact request (images elided, turns style) and the raw response, never the key.
  await panel.getByTestId("run-inspector").locator("summary").click();
  await expect(panel.getByTestId("run-inspector-request")).toContainText('"stream": true');
  await expect(panel.getByTestId("run-inspector-request")).toContainText('"role": "assistant"');
  await expect(panel.getByTestId("run-inspector-request")).toContainText("data:image/");
  await expect(panel.getByTestId("run-inspector-response")).not.toBeEmpty();
  expect(await page.content()).not.toContain("sk-e2e-not-a-real-key");

  // Rank: exact summed log-probabilities from the engine's prompt_logprobs, the same best as here.
  await panel.getByTestId("run-tab-rank").click();
  await pick("server");
  await panel.getByTestId("run-start").click();
  await done();
  const localBest = await panel.locator('[data-testid="rank-row"][data-best="true"]').getAttribute("data-candidate");
  await pick(`engine:${engineId}`);
  await panel.getByTestId("run-start").click();
  await done();
  await expect(panel.getByTestId("rank-method")).toHaveAttribute("data-method", "prompt_logprobs");
  await expect(panel.getByTestId("rank-method")).toHaveAttribute("data-approximate", "false");
  await expect(panel.getByTestId("rank-row")).toHaveCount(2);
  expect(await panel.locator('[data-testid="rank-row"][data-best="true"]').getAttribute("data-candidate")).toBe(localBest);
});

test("one plan swept on both engines: a curve for each", async () => {
  test.setTimeout(300_000);
  const form = new NewSweepPage(page);
  await form.goto();
  await form.choose({ template: EXAMPLE, dataset: DATASET, shots: [0, 1, 4], mode: "rank", queries: 6, name: `Two engines ${stamp}` });
  await page.locator(`[data-testid="sweep-engine-option"][data-engine-id="${engineId}"]`).check();
  await expect(page.locator('[data-testid="sweep-engine-option"][data-engine-id="flamingo-mini"]')).toBeChecked();
  const id = await form.submit();
  const sweep = new SweepPage(page);
  await sweep.waitStatus("done", 240_000);
  const { results } = (await (await page.request.get(`/api/sweeps/${id}/results`)).json()) as { results: { engine: string; itemId: string; shots: number; error: string | null }[] };
  expect(results).toHaveLength(2 * 6 * 3);
  expect(results.filter((r) => r.error !== null)).toEqual([]);
  expect(new Set(results.map((r) => `${r.engine}|${r.itemId}|${r.shots}`)).size).toBe(36);
  await expect(page.locator('[data-testid="chart-line"][data-engine="flamingo-mini"]')).toHaveCount(1);
  await expect(page.locator(`[data-testid="chart-line"][data-engine="${engineId}"]`)).toHaveCount(1);
  const curve = (await (await page.request.get(`/api/sweeps/${id}/curve`)).json()) as { curve: { engine: string; shots: number; n: number }[] };
  for (const engine of ["flamingo-mini", engineId]) expect(curve.curve.filter((c) => c.engine === engine).map((c) => [c.shots, c.n])).toEqual([[0, 6], [1, 6], [4, 6]]);
});
