import { expect, test } from "@playwright/test";

test.describe("the example library", () => {
  test("is seeded, searchable, filterable, and opens as an interleaved strip", async ({ page }) => {
    const consoleProblems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") consoleProblems.push(`${m.type()}: ${m.text()}`);
    });

    await page.goto("/");
    const cards = page.getByTestId("template-card");
    await expect(cards.filter({ hasText: "Image captioning" })).toBeVisible();
    expect(await cards.count()).toBeGreaterThanOrEqual(5);

    await page.getByTestId("search-input").fill("blicket");
    await page.getByTestId("search-input").press("Enter");
    await expect(page).toHaveURL(/search=blicket/);
    await expect(cards).toHaveCount(1);
    await expect(cards.first()).toContainText("dax or blicket");

    await cards.first().getByTestId("template-card-link").click();
    await expect(page.getByTestId("template-header")).toContainText("Classification with novel words");
    await expect(page.getByTestId("prompt-strip").getByTestId("image-block")).toHaveCount(5);
    await expect(page.getByTestId("serialized-prompt-text")).toContainText("<image>Output:dax<|endofchunk|>");

    // Every thumbnail loaded (served by the assets route, not broken).
    const broken = await page.locator("img").evaluateAll((imgs) => imgs.filter((i) => !(i as HTMLImageElement).complete || (i as HTMLImageElement).naturalWidth === 0).length);
    expect(broken).toBe(0);
    expect(consoleProblems).toEqual([]);
  });

  test("unknown template ids get a real 404 page", async ({ page }) => {
    const res = await page.goto("/templates/does-not-exist");
    expect(res?.status()).toBe(404);
    await expect(page.getByTestId("not-found")).toBeVisible();
  });
});
