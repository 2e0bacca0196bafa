import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { watchConsole } from "./support";

/**
 * A model in this browser on transformers.js, end to end on the Engines page: the tiny SmolVLM fixture
 * (tests/fixtures/tiny-smolvlm, the published layout) answered for /models-test/tiny-smolvlm/ by the test,
 * so nothing is downloaded from the hub. Its size before download, a load with progress on WASM, the second
 * load from this browser's cache, a streamed generation in the transformers.js worker, and "remove from this
 * browser". The pages' own bundles never contain transformers.js (measured separately with `next build`).
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
