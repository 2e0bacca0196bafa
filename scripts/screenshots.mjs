/* global document, window */ // page.waitForFunction bodies run in the browser
// Screenshots for the README, from a running server (default http://localhost:3000):
//   node scripts/screenshots.mjs [baseURL] [--only=load-progress,pages,sweeps]
// Uses Debian's Chromium through playwright-core; writes docs/screenshots/*.png.
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";

const base = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "http://localhost:3000";
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
const only = new Set(onlyArg ? onlyArg.slice("--only=".length).split(",") : ["load-progress", "pages", "sweeps"]);
const out = "docs/screenshots";
await mkdir(out, { recursive: true });

const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * The browser model loading in the Run panel on a first visit (empty caches): the runtime and
 * vision.onnx are in, lm.onnx is held back by a route until the picture is taken, so the panel
 * shows the download phase part-way with its bytes (runtime + model), then the load goes on.
 */
async function loadProgressShot() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: chromiumArgs });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const { templates } = await (await page.request.get(`${base}/api/templates`)).json();
    const example = templates.find((t) => t.name.startsWith("Classification with novel words") && t.libraryName === "Examples");
    let release;
    const held = new Promise((r) => (release = r));
    // context.route: the model files are fetched by the inference worker, not the page.
    await context.route("**/models/*/lm.onnx", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${base}/templates/${example.id}`);
    const panel = page.getByTestId("run-panel");
    // Wait until more than the runtime (14.2 MB) is in: the bytes read "n MB / m MB".
    await page.waitForFunction(() => {
      const t = document.querySelector('[data-testid="model-load-bytes"]')?.textContent ?? "";
      const [loaded] = t.split(" / ").map((x) => Number.parseFloat(x));
      return loaded > 15;
    }, undefined, { timeout: 120_000 });
    await panel.scrollIntoViewIfNeeded();
    // From the panel's Run button down to the end of the load status.
    const run = await panel.getByTestId("run-start").boundingBox();
    const load = await page.getByTestId("model-load").boundingBox();
    const p = await panel.boundingBox();
    await page.screenshot({ path: `${out}/load-progress.png`, clip: { x: p.x, y: run.y - 16, width: p.width, height: load.y + load.height - run.y + 32 } });
    release();
    await page.getByTestId("model-load").waitFor({ state: "detached", timeout: 120_000 });
    console.log(`wrote ${out}/load-progress.png`);
  } finally {
    await browser.close();
  }
}
if (only.has("load-progress")) await loadProgressShot();

/** Lazy thumbnails: wait until every image on the page has decoded. */
async function imagesLoaded(page) {
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
}

/**
 * The composer on an example's editor (nothing saved), then a notebook made for the purpose: two
 * cells on the classification example, run on the server — the candidates ranked, then a generated
 * answer with a token hovered for the trace. The notebook is deleted afterwards.
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
    name: "Novel words, step by step",
    description: "Cats are a dax, cars a blicket: does the model bind the new words from four shots?",
    cells: [
      { id: "rank", title: "Rank the two words", prompt: { kind: "template", templateId: example.id, version: "latest", bindings: {} }, params: { backend: "server", mode: "rank", candidates: ["dax", "blicket"] } },
      { id: "classify", title: "Generate, with the attention trace", prompt: { kind: "template", templateId: example.id, version: "latest", bindings: {} }, params: { backend: "server", maxTokens: 8 } },
    ],
  };
  const res = await api.post(`${base}/api/notebooks`, { data: { libraryId: library.id, document, message: "For the README" } });
  if (!res.ok()) throw new Error(`creating the notebook: ${res.status()} ${await res.text()}`);
  const { notebook } = await res.json();
  try {
    await page.goto(`${base}/notebooks/${notebook.id}`);
    const ranked = page.getByTestId("notebook-cell").first();
    await ranked.getByTestId("run-start").click();
    await ranked.getByTestId("cell-run-saved").waitFor({ timeout: 120_000 });
    const cell = page.getByTestId("notebook-cell").nth(1);
    await cell.getByTestId("run-start").click();
    await cell.getByTestId("cell-run-saved").waitFor({ timeout: 120_000 });
    await imagesLoaded(page);
    // A viewport as tall as the page: nothing scrolls, so the hover holds and the sticky top bar stays on top.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1280, height: height + 400 }); // room for the trace that the hover opens
    await cell.getByTestId("trace-token").first().hover();
    await cell.getByTestId("trace-detail").waitFor();
    await page.screenshot({ path: `${out}/notebook.png`, fullPage: true });
    const box = await cell.getByTestId("cell-live-output").boundingBox();
    await page.screenshot({ path: `${out}/trace-view.png`, clip: { x: box.x - 12, y: box.y - 12, width: box.width + 24, height: box.height + 24 } });
    await page.setViewportSize({ width: 1280, height: 900 });
  } finally {
    await api.delete(`${base}/api/notebooks/${notebook.id}`);
  }
}

const browser = only.has("pages")
  ? await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: chromiumArgs,
    })
  : undefined;
if (browser) try {
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

// ------------------------------------------------------------------ comparisons (sweeps)
// Two sweeps of the example classification template over "Novel emoji (2-way)" on the server: rank
// mode with three selection strategies, and generate mode overlaid; the chart, the grid, a cell's
// prompt and the page at 390 px. Both sweeps are deleted afterwards.
/** Lazy grid thumbnails load as they scroll into view: wait for the ones on screen. */
async function onScreenImagesLoaded(page) {
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() =>
    [...document.images].filter((i) => {
      const r = i.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight && r.width > 0;
    }).every((i) => i.complete && i.naturalWidth > 0),
  );
}

async function sweepShots(page) {
  const api = page.request;
  const { templates } = await (await api.get(`${base}/api/templates`)).json();
  const { datasets } = await (await api.get(`${base}/api/datasets`)).json();
  const template = templates.find((t) => t.name.startsWith("Classification with novel words") && t.libraryName === "Examples");
  const dataset = datasets.find((d) => d.name === "Novel emoji (2-way)");
  if (!template || !dataset) throw new Error("the Examples library has no novel-words template or Novel emoji dataset");
  const create = async (body) => {
    const res = await api.post(`${base}/api/sweeps`, { data: { templateId: template.id, datasetId: dataset.id, backend: "server", ...body } });
    if (res.status() !== 201) throw new Error(`POST /api/sweeps: ${res.status()} ${await res.text()}`);
    return (await res.json()).sweep.id;
  };
  const ranked = await create({ name: "Novel emoji · rank", mode: "rank", seeds: 2, selections: ["random", "balanced", "rices"] });
  const generated = await create({ name: "Novel emoji · generate", mode: "generate", maxTokens: 4, seeds: 2, selections: ["random"] });
  try {
    for (const id of [ranked, generated]) {
      for (;;) {
        const { sweep } = await (await api.get(`${base}/api/sweeps/${id}`)).json();
        if (sweep.status === "done") break;
        if (sweep.status === "failed" || sweep.status === "cancelled") throw new Error(`sweep ${id} ${sweep.status}: ${sweep.error}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await page.goto(`${base}/sweeps/${ranked}?overlay=${generated}`);
    await page.locator('[data-testid="chart-series"][data-source="1"]').waitFor();
    await page.getByTestId("grid-row").first().waitFor();
    await onScreenImagesLoaded(page);
    const card = (testId) => page.getByTestId(testId).locator("xpath=ancestor::section[1]");
    // Hover the 8-shot column so the tooltip shows.
    const svg = page.getByTestId("accuracy-chart-svg");
    const point = (await page.locator('[data-testid="chart-point"][data-shots="8"]').first().boundingBox()) ?? (await svg.boundingBox());
    await page.mouse.move(point.x + point.width / 2, point.y + point.height / 2);
    await page.getByTestId("chart-tooltip").waitFor();
    await card("accuracy-chart").screenshot({ path: `${out}/sweep-chart.png` });
    await page.mouse.move(0, 0);
    await page.getByTestId("results-grid").scrollIntoViewIfNeeded();
    await card("results-grid").screenshot({ path: `${out}/sweep-grid.png` });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${out}/sweep-page.png` });
    await page.locator('[data-testid="grid-cell"][data-shots="8"]').first().click();
    await page.getByTestId("cell-prompt").waitFor();
    await onScreenImagesLoaded(page);
    await page.screenshot({ path: `${out}/sweep-prompt.png` });
    await page.keyboard.press("Escape");

    const mobile = await page.context().browser().newPage({ viewport: { width: 390, height: 844 } });
    await mobile.goto(`${base}/sweeps/${ranked}`);
    await mobile.getByTestId("accuracy-chart-svg").waitFor();
    await onScreenImagesLoaded(mobile);
    await mobile.screenshot({ path: `${out}/sweep-390.png`, fullPage: true });
    await mobile.close();
  } finally {
    for (const id of [ranked, generated]) await api.delete(`${base}/api/sweeps/${id}`);
  }
}

const sweepBrowser = only.has("sweeps")
  ? await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: chromiumArgs,
    })
  : undefined;
if (sweepBrowser) try {
  await sweepShots(await sweepBrowser.newPage({ viewport: { width: 1280, height: 900 } }));
  console.log(`wrote ${out}/sweep-chart.png, sweep-grid.png, sweep-page.png, sweep-prompt.png, sweep-390.png`);
} finally {
  await sweepBrowser.close();
}
