import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { exampleIds, libraryIdByName, makePng, NewSweepPage, SweepPage, watchConsole } from "./support";

/**
 * A model in this browser on transformers.js, end to end on the Engines page: the tiny SmolVLM fixture
 * (tests/fixtures/tiny-smolvlm, the published layout) answered for /models-test/tiny-smolvlm/ by the test,
 * so nothing is downloaded from the hub. Its size before download, a load with progress on WASM, the second
 * load from this browser's cache, a streamed generation in the transformers.js worker, and "remove from this
 * browser". Then the tiny model registered as an engine (kind "transformersjs", through the engine form): checked
 * in this browser, a 2-shot interleaved prompt run from a template's Run panel in the transformers.js worker (with
 * its load progress; the server refuses to run it), two candidates ranked exactly, the "one image per prompt"
 * warning before running, and a small browser sweep run on it. The pages' own bundles never contain
 * transformers.js (measured separately with `next build`).
 */
const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/tiny-smolvlm");
const MODEL = "/models-test/tiny-smolvlm";
const BYTES = ["config.json", "generation_config.json", "preprocessor_config.json", "processor_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/vision_encoder.onnx", "onnx/embed_tokens.onnx", "onnx/decoder_model_merged.onnx"].reduce(
  (a, f) => a + readFileSync(path.join(FIXTURE, f)).byteLength,
  0,
);

let page: Page;
const problems: string[] = [];

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  const context = await browser.newContext();
  // The worker's requests for the model folder are answered from the fixture (routing covers dedicated workers).
  await context.route(`**${MODEL}/**`, async (route) => {
    const file = new URL(route.request().url()).pathname.slice(MODEL.length + 1);
    const full = path.join(FIXTURE, file);
    if (file.includes("..")) return route.fulfill({ status: 404 });
    try {
      const body = readFileSync(full);
      await route.fulfill({ status: 200, body, headers: { "content-type": file.endsWith(".json") ? "application/json" : "application/octet-stream", "content-length": String(body.byteLength) } });
    } catch {
      await route.fulfill({ status: 404 });
    }
  });
  page = await context.newPage();
  watchConsole(page, problems);
});

test.afterAll(async () => {
  await page.context().close();
});

test.afterEach(() => {
  expect(problems, "console errors and warnings").toEqual([]);
});

test("a model in this browser: size, load with progress, the cache, a generation, remove", async () => {
  await page.goto("/engines");
  const panel = page.getByTestId("browser-models");
  await expect(panel).toBeVisible();
  await panel.getByTestId("browser-model-id").fill(MODEL);
  await panel.getByTestId("browser-model-dtype").selectOption("fp32");
  await panel.getByTestId("browser-model-device").selectOption("wasm");

  await panel.getByTestId("browser-model-size").click();
  await expect(panel.getByTestId("browser-model-total")).toContainText(`${(BYTES / 1e6).toFixed(2)} MB in 9 files`);
  await expect(panel.getByTestId("browser-model-cache")).toContainText("nothing");

  await panel.getByTestId("browser-model-load").click();
  await expect(panel.getByTestId("browser-model-loaded")).toContainText("Loaded on WASM (fp32)", { timeout: 60_000 });
  await expect(panel.getByTestId("browser-model-loaded")).toContainText("downloaded");
  await expect(panel.getByTestId("browser-model-cache")).toContainText("in 9 files");

  await panel.getByTestId("browser-model-load").click();
  await expect(panel.getByTestId("browser-model-loaded")).toContainText("from this browser's cache", { timeout: 60_000 });

  await panel.getByRole("textbox", { name: "Prompt" }).fill("Say dax.");
  await panel.getByRole("button", { name: "Generate" }).click();
  await expect(panel.getByTestId("browser-model-output")).not.toBeEmpty({ timeout: 60_000 });
  await expect(panel.getByRole("button", { name: "Generate" })).toBeEnabled({ timeout: 60_000 });

  await panel.getByTestId("browser-model-remove").click();
  await expect(panel.getByTestId("browser-model-cache")).toContainText("nothing");
  await expect(panel.getByTestId("browser-model-loaded")).toHaveCount(0);
});

test("the tiny model as a registered engine: the form, a 2-shot run and a rank from a template's Run panel, a browser sweep", async () => {
  test.setTimeout(300_000);
  const name = `Tiny SmolVLM ${Date.now()}`;

  // Registered through the engine form: kind "in this browser", fp32 weights (the fixture's only files), WASM.
  await page.goto("/engines");
  await page.getByTestId("engine-add").click();
  const dialog = page.getByTestId("engine-dialog");
  await dialog.locator('label:has([data-testid="engine-kind-transformersjs"])').click();
  const form = dialog.locator('[data-testid="engine-form"][data-kind="transformersjs"]');
  await expect(form.getByTestId("engine-dtype-decoder_model_merged")).toHaveValue("q4f16");
  await form.getByTestId("engine-name").fill(name);
  await form.getByTestId("engine-model").fill(MODEL);
  for (const m of ["vision_encoder", "embed_tokens", "decoder_model_merged"]) await form.getByTestId(`engine-dtype-${m}`).selectOption("fp32");
  await form.getByTestId("engine-device").selectOption("wasm");
  await form.getByTestId("engine-browser-check").click();
  await expect(form.getByTestId("engine-browser-check-result")).toHaveAttribute("data-ok", "true", { timeout: 60_000 });
  await form.getByTestId("engine-save").click();
  await expect(page.getByTestId("engine-form")).toHaveCount(0);
  const row = page.locator('[data-testid="engine-row"][data-kind="transformersjs"]').filter({ hasText: name });
  await expect(row.getByTestId("engine-kind")).toHaveText("In the browser (transformers.js)");
  await expect(row.getByTestId("engine-row-dtype")).toHaveText("fp32");
  const engineId = (await row.getAttribute("data-engine-id"))!;

  // The server lists it with its settings, and refuses to run or test it: it runs in the browser only.
  const got = (await (await page.request.get(`/api/engines/${engineId}`)).json()) as { engine: { kind: string; browser: unknown } };
  expect(got.engine).toMatchObject({ kind: "transformersjs", browser: { model: MODEL, dtype: "fp32", device: "wasm", promptStyle: "turns", maxImages: null } });
  const refused = await page.request.post("/api/runs", { data: { engine: engineId, prompt: { parts: [{ type: "text", text: "Hi" }] }, stream: false } });
  expect(refused.status()).toBe(400);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("runs in the browser only");
  expect((await page.request.post(`/api/engines/${engineId}/test`, { data: {} })).status()).toBe(400);

  // A template with two demonstrations, images and text interleaved, and a query image.
  const assets: string[] = [];
  for (const seed of [21, 22, 23]) {
    const up = await page.request.post("/api/assets", { multipart: { file: { name: `tfjs-${seed}.png`, mimeType: "image/png", buffer: await makePng(seed) } } });
    expect(up.ok()).toBe(true);
    assets.push(((await up.json()) as { asset: { id: string } }).asset.id);
  }
  const image = (assetId: string) => ({ type: "image", source: { kind: "asset", assetId } });
  const libraryId = await libraryIdByName(page.request, "", "My library");
  const created = await page.request.post("/api/templates", {
    data: {
      libraryId,
      document: {
        formatVersion: 1,
        name: `transformers.js e2e ${Date.now()}`,
        description: "Two shots for the tiny SmolVLM.",
        tags: ["e2e"],
        variables: [],
        shots: [
          { blocks: [image(assets[0]!), { type: "text", text: "Output:" }], answer: "dax" },
          { blocks: [image(assets[1]!), { type: "text", text: "Output:" }], answer: "blicket" },
        ],
        query: { blocks: [image(assets[2]!), { type: "text", text: "Output:" }] },
      },
    },
  });
  expect(created.status()).toBe(201);
  const { template } = (await created.json()) as { template: { id: string } };

  try {
    await page.goto(`/templates/${template.id}`);
    const panel = page.getByTestId("run-panel");
    await panel.getByTestId("run-tab-generate").click();
    const choice = panel.locator(`label:has([data-testid="run-backend-engine:${engineId}"])`);
    await expect(choice).toContainText(`Browser · ${name} (transformers.js)`);
    await choice.click();
    await expect(panel.getByTestId(`run-backend-engine:${engineId}`)).toBeChecked();
    await expect(panel.getByTestId("engine-remote-limits")).toContainText("transformers.js engines return no attention trace");
    await expect(panel.getByTestId("engine-image-limit-warning")).toHaveCount(0);

    await panel.getByTestId("run-start").click();
    await expect(panel.getByTestId("run-phase")).toHaveAttribute("data-phase", /done|error|cancelled/, { timeout: 90_000 });
    await expect(panel.getByTestId("run-phase")).toHaveAttribute("data-phase", "done");
    await expect(panel.getByTestId("run-text")).toHaveAttribute("data-final", "true");
    await expect(panel.getByTestId("run-provider")).toHaveText(`Browser · ${name} · WASM`);
    // Three images went in (two demonstrations and the query), and the load's bytes were reported.
    await expect(panel.getByTestId("run-usage")).toContainText("3 img");
    await expect(panel.getByTestId("run-model-source")).toBeVisible();

    // Rank two candidates: exact sums from the model's logits.
    await panel.getByTestId("run-tab-rank").click();
    await panel.getByTestId("run-candidates").fill("dax\nblicket");
    await panel.getByTestId("run-start").click();
    await expect(panel.getByTestId("run-phase")).toHaveAttribute("data-phase", "done", { timeout: 90_000 });
    await expect(panel.getByTestId("rank-row")).toHaveCount(2);
    await expect(panel.getByTestId("rank-provider")).toHaveText(`Browser · ${name} · WASM`);
    await expect(panel.getByTestId("rank-method")).toContainText("exact");

    // With a limit of one image per prompt, the panel says so before running and will not run.
    expect((await page.request.patch(`/api/engines/${engineId}`, { data: { maxImages: 1 } })).status()).toBe(200);
    await page.reload();
    await page.getByTestId("run-panel").locator(`label:has([data-testid="run-backend-engine:${engineId}"])`).click();
    await expect(page.getByTestId("engine-image-limit-warning")).toContainText("takes at most 1 image per prompt");
    await expect(page.getByTestId("run-panel").getByTestId("run-start")).toBeDisabled();
    expect((await page.request.patch(`/api/engines/${engineId}`, { data: { maxImages: null } })).status()).toBe(200);
  } finally {
    await page.request.delete(`/api/templates/${template.id}`);
  }

  // A small browser sweep on it: chosen in the form, run by the tab in the transformers.js worker.
  const TEMPLATE = "Classification with novel words (dax or blicket)";
  const DATASET = "Novel emoji (2-way)";
  await exampleIds(page.request, "", TEMPLATE, DATASET);
  const sweepForm = new NewSweepPage(page);
  await sweepForm.goto();
  await sweepForm.choose({ template: TEMPLATE, dataset: DATASET, shots: [0, 1], mode: "rank", backend: "browser", seeds: 1, queries: 2 });
  await page.getByTestId("sweep-browser-engine").selectOption(engineId);
  const sweepId = await sweepForm.submit();
  const sweep = new SweepPage(page);
  await sweep.waitStatus("done", 240_000);
  const detail = (await (await page.request.get(`/api/sweeps/${sweepId}`)).json()) as { sweep: { config: { backend: string; engines: string[] }; totalCells: number } };
  expect(detail.sweep.config).toMatchObject({ backend: "browser", engines: [engineId] });
  const { results } = (await (await page.request.get(`/api/sweeps/${sweepId}/results`)).json()) as { results: { engine: string; error: string | null }[] };
  expect(results.length).toBe(detail.sweep.totalCells);
  expect(results.length).toBeGreaterThan(0);
  expect(results.every((r) => r.engine === engineId && r.error === null)).toBe(true);
  await expect(page.getByTestId("sweep-cells")).toHaveAttribute("data-done", String(detail.sweep.totalCells));

  // A server sweep cannot name it.
  const { templateId, datasetId } = await exampleIds(page.request, "", TEMPLATE, DATASET);
  const serverSweep = await page.request.post("/api/sweeps", { data: { templateId, datasetId, backend: "server", engines: [engineId] } });
  expect(serverSweep.status()).toBe(400);

  await page.request.delete(`/api/sweeps/${sweepId}`);
  expect((await page.request.delete(`/api/engines/${engineId}`)).status()).toBe(204);
});
