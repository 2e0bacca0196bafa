import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { makeZip } from "../support/zip";
import { makePng } from "./support";

/** Page object for /datasets and /datasets/:id. */
class DatasetsPage {
  constructor(private readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto("/datasets");
    await expect(this.page.getByTestId("dataset-import-form")).toBeVisible();
  }

  card(name: string) {
    return this.page.locator(`[data-testid="dataset-card"][data-name="${name}"]`);
  }

  async openDataset(name: string): Promise<void> {
    await this.card(name).getByTestId("dataset-card-link").click();
    await expect(this.page.getByTestId("dataset-title")).toHaveText(name);
  }

  items() {
    return this.page.getByTestId("dataset-item");
  }

  async importWith(input: "dataset-zip-input" | "dataset-folder-input", files: Parameters<Page["setInputFiles"]>[1], name: string): Promise<void> {
    await this.page.getByTestId(input).setInputFiles(files);
    await expect(this.page.getByTestId("dataset-picked")).toContainText("Chosen:");
    await this.page.getByTestId("dataset-name").fill(name);
    await this.page.getByTestId("dataset-import-submit").click();
  }

  /** Images that failed to load (lazy ones below the fold are not counted until they load or fail). */
  async expectImagesLoaded(): Promise<void> {
    await expect
      .poll(() =>
        this.page.getByTestId("dataset-grid").locator("img").evaluateAll((imgs) => {
          const list = imgs as HTMLImageElement[];
          return { broken: list.filter((i) => i.complete && i.naturalWidth === 0).length, firstLoaded: (list[0]?.naturalWidth ?? 0) > 0 };
        }),
      )
      .toEqual({ broken: 0, firstLoaded: true });
  }
}

async function smallSet(prefix: string) {
  const answers = ["dax", "wug", "dax", "wug", "dax", "wug"];
  const pngs = await Promise.all(answers.map((_, i) => makePng(900 + i)));
  const jsonl = answers.map((a, i) => JSON.stringify({ image: `imgs/${i}.png`, answer: a, candidates: ["dax", "wug"] })).join("\n") + "\n";
  return [{ path: `${prefix}data.jsonl`, data: jsonl }, ...pngs.map((data, i) => ({ path: `${prefix}imgs/${i}.png`, data }))];
}

test.describe("datasets", () => {
  test("the seeded example datasets open as image grids with answers, splits and filters", async ({ page }) => {
    const ds = new DatasetsPage(page);
    await ds.open();
    await expect(ds.card("Novel emoji (2-way)")).toContainText("80 items (48 pool / 32 eval)");
    await expect(ds.card("Scene VQA")).toContainText("90 items (60 pool / 30 eval)");
    await expect(ds.card("Scene colours (task from examples)")).toContainText("60 items (30 pool / 30 eval)");

    await ds.openDataset("Novel emoji (2-way)");
    await expect(page.getByTestId("dataset-item-count")).toHaveText("80 items · page 1 of 2");
    await expect(ds.items()).toHaveCount(60);
    await expect(ds.items().first().getByTestId("dataset-item-candidates").locator("li")).toHaveCount(2);
    await ds.expectImagesLoaded();

    await page.getByTestId("dataset-filter-split-eval").click();
    await expect(page).toHaveURL(/split=eval/);
    await expect(ds.items()).toHaveCount(32);
    await expect(page.locator('[data-testid="dataset-item"][data-split="pool"]')).toHaveCount(0);

    const answer = await ds.items().first().getAttribute("data-answer");
    await page.getByTestId("dataset-answer-filter").selectOption(answer!);
    await expect(page).toHaveURL(/answer=/);
    await expect(ds.items()).toHaveCount(16); // stratified: half the eval set per label
    await expect(page.locator(`[data-testid="dataset-item"]:not([data-answer="${answer}"])`)).toHaveCount(0);

    await ds.open();
    await ds.openDataset("Scene VQA");
    await expect(ds.items().first().getByTestId("dataset-item-question")).toContainText("?");
  });

  test("imports a zip through the form, browses it, renames and deletes it", async ({ page }) => {
    const ds = new DatasetsPage(page);
    const name = `E2E zip ${Date.now()}`;
    const zip = makeZip(await smallSet("set/"));
    await ds.open();
    await ds.importWith("dataset-zip-input", { name: "set.zip", mimeType: "application/zip", buffer: zip }, name);

    await expect(page).toHaveURL(/\/datasets\/[^/?]+$/);
    await expect(page.getByTestId("dataset-title")).toHaveText(name);
    await expect(page.getByTestId("dataset-summary")).toContainText("6 items: 4 in the demonstration pool, 2 to evaluate");
    await expect(ds.items()).toHaveCount(6);
    await expect(page.getByTestId("split-badge").filter({ hasText: "eval" })).toHaveCount(2);
    await ds.expectImagesLoaded();
    await page.getByTestId("dataset-answer-filter").selectOption("wug");
    await expect(ds.items()).toHaveCount(3);

    await page.getByTestId("dataset-rename").click();
    await page.getByTestId("dataset-rename-input").fill(`${name} renamed`);
    await page.getByTestId("dataset-rename-submit").click();
    await expect(page.getByTestId("dataset-title")).toHaveText(`${name} renamed`);

    await page.getByTestId("dataset-delete").click();
    await page.getByTestId("dataset-delete-confirm").click();
    await expect(page).toHaveURL(/\/datasets$/);
    await expect(ds.card(`${name} renamed`)).toHaveCount(0);
  });

  test("imports a folder upload, and explains a bad one without saving it", async ({ page }) => {
    const ds = new DatasetsPage(page);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ds-e2e-"));
    const root = path.join(dir, "my-folder");
    for (const f of await smallSet("")) {
      fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
      fs.writeFileSync(path.join(root, f.path), f.data);
    }
    await ds.open();
    const before = await page.getByTestId("dataset-count").textContent();

    // A zip whose manifest names an image that is not there: a 400 naming the line, nothing saved.
    const broken = (await smallSet("")).filter((f) => f.path !== "imgs/4.png");
    await ds.importWith("dataset-zip-input", { name: "broken.zip", mimeType: "application/zip", buffer: makeZip(broken) }, `E2E broken ${Date.now()}`);
    await expect(page.getByTestId("error-notice")).toContainText('data.jsonl:5: the image "imgs/4.png" is not in the upload');
    await page.reload();
    await expect(page.getByTestId("dataset-count")).toHaveText(before!);

    const name = `E2E folder ${Date.now()}`;
    await ds.importWith("dataset-folder-input", root, name);
    await expect(page.getByTestId("dataset-title")).toHaveText(name);
    await expect(ds.items()).toHaveCount(6);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
