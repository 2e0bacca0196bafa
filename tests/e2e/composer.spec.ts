import { createHash } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { SourceEditor, keyboardMove, libraryIdByName, makePng, pasteImage, pointerDrag, watchConsole } from "./support";

/** Page object for the visual composer (beside the source editor). */
class ComposerPage {
  readonly source: SourceEditor;
  constructor(readonly page: Page) {
    this.source = new SourceEditor(page);
  }
  get root() {
    return this.page.getByTestId("composer");
  }
  answers() {
    return this.root.getByTestId("composer-answer").evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value));
  }
  async sourceDoc(): Promise<{ shots: { answer: string; blocks: { type: string }[] }[]; query: { blocks: { type: string; source?: { assetId?: string } }[] } }> {
    return JSON.parse(await this.source.text());
  }
}

const forks: string[] = [];

// The forks go again, so the library's searches find what the other tests expect.
test.afterEach(async ({ request }) => {
  for (const id of forks.splice(0)) await request.delete(`/api/templates/${id}`);
});

/** Fork an example into "My library" (the examples stay as other tests expect them) and open the fork's editor. */
async function openExample(page: Page, name: string): Promise<string> {
  const res = await page.request.get("/api/templates");
  const { templates } = (await res.json()) as { templates: { id: string; name: string; libraryName: string }[] };
  const example = templates.find((x) => x.name.startsWith(name) && x.libraryName === "Examples");
  expect(example, `example template "${name}"`).toBeTruthy();
  const libraryId = await libraryIdByName(page.request, "", "My library");
  const fork = await page.request.post(`/api/templates/${example!.id}/fork`, { data: { libraryId, name: `${name} (composer e2e ${Date.now()})` } });
  expect(fork.status()).toBe(201);
  const { template } = (await fork.json()) as { template: { id: string } };
  forks.push(template.id);
  await page.goto(`/templates/${template.id}/edit`);
  await new SourceEditor(page).ready();
  return template.id;
}

test("compose by drag and drop and paste, edit the source, and save a new version", async ({ page }) => {
  const problems = watchConsole(page);
  const templateId = await openExample(page, "Classification with novel words");
  const c = new ComposerPage(page);
  await expect(c.root.getByTestId("composer-shot")).toHaveCount(4);
  expect(await c.answers()).toEqual(["dax", "blicket", "dax", "blicket"]);
  await expect(page.getByTestId("stat-images")).toContainText("5 images");
  await expect(page.getByTestId("stat-tokens")).toHaveAttribute("data-exact", "true");

  // Keyboard drag and drop: shot 1 moves down one place; the source follows.
  await keyboardMove(c.root.getByTestId("shot-handle").first(), "ArrowDown");
  await expect.poll(() => c.answers()).toEqual(["blicket", "dax", "dax", "blicket"]);
  await expect.poll(async () => (await c.sourceDoc()).shots.map((s) => s.answer)).toEqual(["blicket", "dax", "dax", "blicket"]);
  // Focus stays on the moved shot's handle.
  await expect(c.root.getByTestId("shot-handle").nth(1)).toBeFocused();

  // Mouse drag and drop: the last shot's handle onto the third shot.
  // Both cards in the middle of the viewport, away from the edges where dragging scrolls the page.
  await c.root.getByTestId("composer-shot").nth(3).evaluate((el) => el.scrollIntoView({ block: "start" }));
  // 400 px down: with the Run panel below, the page scrolls that far, and the third card stays clear of the top edge.
  await page.evaluate(() => window.scrollBy(0, -400));
  const handle = c.root.getByTestId("shot-handle").nth(3);
  const from = (await handle.boundingBox())!;
  const [third, fourth] = [(await c.root.getByTestId("composer-shot").nth(2).boundingBox())!, (await c.root.getByTestId("composer-shot").nth(3).boundingBox())!];
  // Move the card up by exactly one card: its centre lands on the third shot's centre.
  await pointerDrag(handle, { x: from.x + from.width / 2, y: from.y + from.height / 2 - (fourth.y - third.y) });
  await expect.poll(() => c.answers()).toEqual(["blicket", "dax", "blicket", "dax"]);

  // Blocks reorder inside a chunk by keyboard too: the query's image moves after its text.
  const query = c.root.getByTestId("composer-query");
  await keyboardMove(query.getByTestId("block-handle").first(), "ArrowRight");
  await expect.poll(async () => (await c.sourceDoc()).query.blocks.map((b) => b.type)).toEqual(["text", "image"]);
  // ... and by mouse: the text block's handle dragged onto the image.
  await query.scrollIntoViewIfNeeded();
  const image = (await query.getByTestId("composer-image").boundingBox())!;
  await pointerDrag(query.getByTestId("composer-text-block").getByTestId("block-handle"), { x: image.x + image.width / 2, y: image.y + image.height / 2 }, 10);
  await expect.poll(async () => (await c.sourceDoc()).query.blocks.map((b) => b.type)).toEqual(["image", "text"]);

  // Edit the JSON source: the composer changes at once.
  const doc = await c.sourceDoc();
  doc.shots[0]!.answer = "wug";
  await c.source.setDocument(doc);
  await expect.poll(() => c.answers()).toEqual(["wug", "dax", "blicket", "dax"]);

  // Type in Monaco itself (fast): the composer's name field follows, keystroke for keystroke.
  await page.getByTestId("monaco-container").locator(".view-lines").click();
  await page.keyboard.press("Control+Home");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Home");
  for (let i = 0; i < '"name": "'.length; i++) await page.keyboard.press("ArrowRight");
  await page.keyboard.type("Typed ", { delay: 0 });
  await expect(c.root.getByTestId("composer-name")).toHaveValue(/^Typed Classification/);
  expect(JSON.parse(await c.source.text()).name).toMatch(/^Typed Classification/);

  // Broken source: the composer keeps the last valid document and names the line.
  const good = await c.source.text();
  await c.source.setText(good.replace('"answer": "wug"', '"answer": "wug",,'));
  const banner = page.getByTestId("composer-source-error");
  await expect(banner).toContainText("Source has errors");
  const badLine = (await c.source.text()).split("\n").findIndex((l) => l.includes('"wug",,')) + 1;
  await expect(banner).toContainText(`line ${badLine}`);
  expect(await c.answers()).toEqual(["wug", "dax", "blicket", "dax"]);
  await c.source.setText(good);
  await expect(banner).toHaveCount(0);

  // Paste an image onto the focused query: a new image card, and its asset in the source.
  const png = await makePng(Date.now() % 997);
  const assetId = createHash("sha256").update(png).digest("hex");
  await pasteImage(query, png);
  await expect(query.locator(`[data-testid="composer-image"][data-asset-id="${assetId}"]`)).toBeVisible();
  await expect(page.getByTestId("stat-images")).toContainText("6 images");
  expect((await c.sourceDoc()).query.blocks.some((b) => b.source?.assetId === assetId)).toBe(true);

  // The exact serialised prompt, on demand.
  await page.getByTestId("toggle-prompt").click();
  await expect(page.getByTestId("composer-prompt")).toHaveAttribute("data-prompt", /^<image>Output:wug<\|endofchunk\|>\n<image>Output:dax<\|endofchunk\|>\n.*<image><image>Output:$/s);

  // Save: a new version with the composed prompt.
  await c.source.save("composed in the composer");
  await page.waitForURL((url) => url.pathname === `/templates/${templateId}`);
  await expect(page.getByTestId("version-item").first()).toContainText("composed in the composer");
  const res = await page.request.get(`/api/templates/${templateId}`);
  const saved = (await res.json()) as { template: { latestVersion: number; document: { shots: { answer: string }[] } } };
  expect(saved.template.document.shots.map((s) => s.answer)).toEqual(["wug", "dax", "blicket", "dax"]);
  expect(problems).toEqual([]);
});

test("shots are added, duplicated and removed; images come from the library; variables are declared", async ({ page }) => {
  const problems = watchConsole(page);
  await openExample(page, "Image captioning");
  const c = new ComposerPage(page);
  const shots = c.root.getByTestId("composer-shot");
  const before = await shots.count();

  await c.root.getByTestId("add-shot").click();
  await expect(shots).toHaveCount(before + 1);
  const added = shots.last();
  await added.getByTestId("composer-answer").fill("A {{colour}} kite.");
  await expect(added.getByTestId("variable-highlight")).toHaveText("{{colour}}");

  // From the library: the first image the picker offers goes into the new shot.
  await added.getByTestId("chunk-pick").click();
  const picked = page.getByTestId("asset-picker").getByTestId("picker-asset").first();
  const assetId = await picked.getAttribute("data-asset-id");
  await picked.click();
  await expect(page.getByTestId("asset-picker")).toBeHidden();
  await expect(added.locator(`[data-testid="composer-image"][data-asset-id="${assetId}"]`)).toBeVisible();

  // {{colour}} is used but not declared: the editor says so, and one click declares it.
  await expect(page.getByTestId("editor-issue").first()).toContainText("colour");
  await page.getByTestId("undeclared-variable").getByTestId("declare-variable").click();
  await expect(page.getByTestId("declared-variable").filter({ hasText: "colour" })).toBeVisible();
  await expect(page.getByTestId("editor-valid")).toBeVisible();

  // Replace that image through the picker's upload button (a file chooser), then drop a file from the "desktop" onto the shot.
  const png = await makePng(Date.now() % 991);
  const uploadedId = createHash("sha256").update(png).digest("hex");
  await added.getByTestId("image-replace").first().click();
  const chooser = page.waitForEvent("filechooser");
  await page.getByTestId("asset-picker").getByRole("button", { name: /Upload from this device/ }).click();
  await (await chooser).setFiles({ name: "replacement.png", mimeType: "image/png", buffer: png });
  await expect(added.locator(`[data-testid="composer-image"][data-asset-id="${uploadedId}"]`)).toBeVisible();
  await expect(added.locator(`[data-testid="composer-image"][data-asset-id="${assetId}"]`)).toHaveCount(0);

  const dropped = await makePng((Date.now() % 983) + 1);
  const droppedId = createHash("sha256").update(dropped).digest("hex");
  await added.getByTestId("chunk-blocks").evaluate(
    (el, b64) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))], "dropped.png", { type: "image/png" }));
      el.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    dropped.toString("base64"),
  );
  await expect(added.getByTestId("composer-image")).toHaveCount(2);
  await expect(added.getByTestId("composer-image").nth(1)).toHaveAttribute("data-asset-id", droppedId);

  await added.getByTestId("shot-duplicate").click();
  await expect(shots).toHaveCount(before + 2);
  expect((await c.sourceDoc()).shots.slice(-2).map((s) => s.answer)).toEqual(["A {{colour}} kite.", "A {{colour}} kite."]);
  await shots.last().getByTestId("shot-remove").click();
  await shots.first().getByTestId("shot-remove").click();
  await expect(shots).toHaveCount(before);
  // Undo and redo share the source editor's history; Ctrl+Z works outside text fields.
  await page.getByTestId("composer-undo").click();
  await expect(shots).toHaveCount(before + 1);
  await page.getByTestId("composer-redo").click();
  await expect(shots).toHaveCount(before);
  await page.getByTestId("add-shot").focus();
  await page.keyboard.press("Control+z");
  await expect(shots).toHaveCount(before + 1);
  await page.keyboard.press("Control+Shift+z");
  await expect(shots).toHaveCount(before);
  const doc = await c.sourceDoc();
  expect(doc.shots.at(-1)!.answer).toBe("A {{colour}} kite.");
  // Ids keep drag and drop stable; each is unique.
  const ids = doc.shots.map((s) => (s as { id?: string }).id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(problems).toEqual([]);
});

test("at 390 px the composer and the source are tabs, and nothing overflows", async ({ page }) => {
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await openExample(page, "Visual question answering");
  await expect(page.getByTestId("composer")).toBeVisible();
  await expect(page.getByTestId("monaco-container")).toBeHidden();
  await page.getByTestId("tab-source").click();
  await expect(page.getByTestId("monaco-container")).toBeVisible();
  await page.keyboard.press("ArrowLeft");
  await expect(page.getByTestId("tab-composer")).toBeFocused();
  await expect(page.getByTestId("composer")).toBeVisible();
  // A composer edit (add a shot), then check the width.
  await page.getByTestId("add-shot").click();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  expect(problems).toEqual([]);
});
