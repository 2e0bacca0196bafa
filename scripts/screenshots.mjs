/* global document, window */ // page.waitForFunction bodies run in the browser
// Screenshots for the README, from a running server (default http://localhost:3000):
//   node scripts/screenshots.mjs [baseURL]
// Uses Debian's Chromium through playwright-core; writes docs/screenshots/*.png.
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";

const base = process.argv[2] ?? "http://localhost:3000";
const out = "docs/screenshots";
await mkdir(out, { recursive: true });

/** Lazy thumbnails: wait until every image on the page has decoded. */
async function imagesLoaded(page) {
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
}

/**
 * The composer on an example's editor (nothing saved), then a notebook made for the purpose: one
 * cell using the classification example, run on the server, a token hovered for the trace. The
 * notebook is deleted afterwards.
 */
async function notebookShots(page) {
  const api = page.request;
  const { templates } = await (await api.get(`${base}/api/templates`)).json();
  const example = templates.find((t) => t.name.startsWith("Classification with novel words") && t.libraryName === "Examples");
  const { libraries } = await (await api.get(`${base}/api/libraries`)).json();
  const library = libraries.find((l) => l.kind === "user") ?? libraries[0];

  // The composer beside its source, and below it the Run panel with a server run of what is composed.
  await page.goto(`${base}/templates/${example.id}/edit`);
  await page.getByTestId("composer").waitFor();
  const panel = page.getByTestId("run-panel");
  await panel.locator('label:has([data-testid="run-backend-server"])').click();
  await panel.getByTestId("run-start").click();
  await panel.locator('[data-testid="run-phase"][data-phase="done"]').waitFor({ timeout: 120_000 });
  await imagesLoaded(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${out}/composer-editor.png`, fullPage: true });

  const document = {
    formatVersion: 1,
    name: `Novel words, step by step (${new Date().toISOString().slice(0, 16)})`,
    description: "Cats are a dax, cars a blicket: does the model bind the new words from four shots?",
    cells: [{ id: "classify", title: "Four shots, a new cat", prompt: { kind: "template", templateId: example.id, version: "latest", bindings: {} }, params: { backend: "server", maxTokens: 8 } }],
  };
  const res = await api.post(`${base}/api/notebooks`, { data: { libraryId: library.id, document, message: "For the README" } });
  if (!res.ok()) throw new Error(`creating the notebook: ${res.status()} ${await res.text()}`);
  const { notebook } = await res.json();
  try {
    await page.goto(`${base}/notebooks/${notebook.id}`);
    const cell = page.getByTestId("notebook-cell").first();
    await cell.getByTestId("run-start").click();
    await cell.getByTestId("cell-run-saved").waitFor({ timeout: 120_000 });
    await cell.getByTestId("trace-token").first().hover();
    await cell.getByTestId("trace-detail").waitFor();
    await imagesLoaded(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${out}/notebook.png`, fullPage: true });
    const box = await cell.getByTestId("cell-live-output").boundingBox();
    await page.screenshot({ path: `${out}/trace-view.png`, fullPage: true, clip: { x: box.x - 12, y: box.y - 12, width: box.width + 24, height: box.height + 24 } });
  } finally {
    await api.delete(`${base}/api/notebooks/${notebook.id}`);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/`);
  await page.getByTestId("template-card").first().waitFor();
  await imagesLoaded(page);
  await page.screenshot({ path: `${out}/library.png` });

  await page.getByTestId("template-card").filter({ hasText: "Visual question answering" }).getByTestId("template-card-link").click();
  await page.getByTestId("prompt-strip").waitFor();
  await imagesLoaded(page);
  await page.screenshot({ path: `${out}/template-page.png`, fullPage: true });

  const mobile = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await mobile.goto(`${base}/`);
  await mobile.getByTestId("template-card").first().waitFor();
  await imagesLoaded(mobile);
  await mobile.screenshot({ path: `${out}/library-390.png` });
  console.log(`wrote ${out}/library.png, template-page.png, library-390.png`);

  await notebookShots(page);
  console.log(`wrote ${out}/composer-editor.png, notebook.png, trace-view.png`);
} finally {
  await browser.close();
}
