import { expect, test, type Browser, type Page } from "@playwright/test";
import { captionTemplate, libraryIdByName, makePng, watchConsole } from "./support";

/**
 * The Run panel on the template page, against the production build: the example classification
 * template on the Server and in the Browser (WASM worker), the same greedy answer; rank mode;
 * cancel; the model read from Cache Storage the second time; no console errors; every request
 * to localhost.
 */
const EXAMPLE = "Classification with novel words (dax or blicket)";

class RunPanelPage {
  constructor(readonly page: Page) {}
  get root() {
    return this.page.getByTestId("run-panel");
  }
  async backend(b: "webgpu" | "wasm" | "server") {
    await this.root.locator(`label:has([data-testid="run-backend-${b}"])`).click();
    await expect(this.root.getByTestId(`run-backend-${b}`)).toBeChecked();
  }
  async mode(m: "greedy" | "sampling" | "beam") {
    await this.root.locator(`label:has([data-testid="run-mode-${m}"])`).click();
  }
  phase() {
    return this.root.getByTestId("run-phase");
  }
  async run(): Promise<void> {
    await this.root.getByTestId("run-start").click();
  }
  async waitDone(timeout = 90_000): Promise<void> {
    await expect(this.phase()).toHaveAttribute("data-phase", /done|error|cancelled/, { timeout });
    await expect(this.phase()).toHaveAttribute("data-phase", "done");
  }
  async generate(backend: "wasm" | "server") {
    await this.root.getByTestId("run-tab-generate").click();
    await this.backend(backend);
    await this.mode("greedy");
    await this.run();
    // The load's progress (it starts when the panel mounts): browser-load.spec.ts.
    await this.waitDone();
    await expect(this.root.getByTestId("run-text")).toHaveAttribute("data-final", "true");
    return {
      text: (await this.root.getByTestId("run-text").textContent()) ?? "",
      provider: (await this.root.getByTestId("run-provider").textContent()) ?? "",
      ttft: (await this.root.getByTestId("run-ttft").textContent()) ?? "",
      tps: (await this.root.getByTestId("run-tps").textContent()) ?? "",
    };
  }
}

let page: Page;
/** Console messages a test expects (and so does not count as problems). */
let expected: RegExp[] = [];
const problems: string[] = [];
const requests: string[] = [];
let templateUrl = "";

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  page = await browser.newPage();
  watchConsole(page, problems, () => expected);
  page.on("request", (r) => requests.push(r.url()));
  const res = await page.request.get("/api/templates");
  const { templates } = (await res.json()) as { templates: { id: string; name: string; libraryName: string }[] };
  const example = templates.find((t) => t.name === EXAMPLE && t.libraryName === "Examples");
  expect(example, EXAMPLE).toBeTruthy();
  templateUrl = `/templates/${example!.id}`;
});

test.afterAll(async () => {
  await page.close();
});

test.afterEach(() => {
  expect(problems, "console errors and warnings").toEqual([]);
  const external = requests.filter((u) => !/^(https?:\/\/localhost(:\d+)?\/|data:|blob:)/.test(u));
  expect(external, "requests that left localhost").toEqual([]);
});

test("the same greedy answer on the Server and in the Browser (WASM), model from the cache the second time", async () => {
  test.setTimeout(240_000);
  await page.goto(templateUrl);
  const run = new RunPanelPage(page);
  await expect(run.root).toBeVisible();

  const server = await run.generate("server");
  expect(server.text.trim().length).toBeGreaterThan(0);
  expect(server.provider).toMatch(/^Server · (CPU|CUDA)$/);
  expect(server.ttft).not.toBe("—");

  const wasm = await run.generate("wasm");
  expect(wasm.provider).toBe("Browser · WASM");
  await expect(run.root.getByTestId("run-model-source")).toHaveText(/^downloaded \d/);
  expect(wasm.text).toBe(server.text);
  console.log(`greedy "${server.text}" · server ttft ${server.ttft}, ${server.tps} tok/s · wasm ttft ${wasm.ttft}, ${wasm.tps} tok/s`);

  // Trace: hovering a token shows its attention per image card and the gates.
  await run.root.getByTestId("trace-token").first().hover();
  await expect(run.root.getByTestId("trace-image")).toHaveCount(5);
  await expect(run.root.getByTestId("trace-gates")).toBeVisible();
  const masses = await run.root.getByTestId("trace-image").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-mass"))));
  expect(masses.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.5);
  // Keyboard: focusing a token shows the same detail (and keeps it for the screenshot).
  await run.root.getByTestId("trace-token").first().focus();
  await expect(run.root.getByTestId("trace-detail")).toBeVisible();
  // Screenshots for the docs, from the top of the page so the sticky header stays out of the panel.
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = (await run.root.boundingBox())!;
  await page.screenshot({ path: ".tmp/screenshots/run-panel.png", fullPage: true, clip: { x: box.x - 12, y: box.y - 12, width: box.width + 24, height: box.height + 24 } });
  await page.screenshot({ path: ".tmp/screenshots/run-page.png", fullPage: true });

  // The model's weights were fetched once; a reload reads them from Cache Storage.
  const lmFetches = () => requests.filter((u) => u.endsWith("/models/flamingo-mini/lm.onnx")).length;
  expect(lmFetches()).toBe(1);
  await page.reload();
  const again = await run.generate("wasm");
  expect(again.text).toBe(server.text);
  await expect(run.root.getByTestId("run-model-source")).toHaveText(/^from the browser cache/);
  expect(lmFetches()).toBe(1);
});

test("rank mode: bars for dax and blicket, the same best on both backends", async () => {
  const run = new RunPanelPage(page);
  await run.root.getByTestId("run-tab-rank").click();
  await expect(run.root.getByTestId("run-candidates")).toHaveValue("dax\nblicket");
  const best: string[] = [];
  for (const b of ["server", "wasm"] as const) {
    await run.backend(b);
    await run.root.getByTestId("run-start").click();
    await run.waitDone();
    const rows = run.root.getByTestId("rank-row");
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toHaveAttribute("data-candidate", "dax");
    await expect(rows.nth(1)).toHaveAttribute("data-candidate", "blicket");
    await expect(run.root.getByTestId("rank-bar-sum")).toHaveCount(2);
    await expect(run.root.getByTestId("rank-bar-mean")).toHaveCount(2);
    await expect(run.root.locator('[data-testid="rank-row"][data-best="true"]')).toHaveCount(1);
    // Which demonstrations carry the chosen answer's label: the 4-shot example has two of each.
    await expect(run.root.getByTestId("trace-demo")).toHaveCount(4);
    await expect(run.root.locator('[data-testid="trace-demo"][data-agrees="true"]')).toHaveCount(2);
    best.push((await run.root.locator('[data-testid="rank-row"][data-best="true"]').getAttribute("data-candidate"))!);
  }
  expect(best[0]).toBe(best[1]);
  await run.root.screenshot({ path: ".tmp/screenshots/rank-mode.png" });
});

type ModelStats = { tokensGenerated: number; queue: { pending: number; running: boolean } };
const serverStats = async (p: Page): Promise<ModelStats> => ((await (await p.request.get("/api/runs?model=flamingo-mini")).json()) as { stats: ModelStats }).stats;

test("cancel stops a long run, in the browser and on the server", async () => {
  const run = new RunPanelPage(page);
  await run.root.getByTestId("run-tab-generate").click();
  await run.mode("sampling");
  await run.root.getByTestId("run-temperature").fill("1.5");
  // 256 tokens: <|endofchunk|> is suppressed until the limit, so only Cancel ends it early.
  await run.root.getByTestId("run-max-tokens").fill("256");
  await run.root.getByTestId("run-min-tokens").fill("256");
  await run.root.getByTestId("run-trace").uncheck();
  const tokens = run.root.getByTestId("trace-token");

  // In the browser: cancel once the first token is on screen. 256 tokens take the worker a fraction
  // of a second, so on a loaded machine the run may finish before the click lands: that try does
  // not count (its state says so), and the next one runs.
  await run.backend("wasm");
  let cancelledMidRun = false;
  for (let attempt = 0; attempt < 5 && !cancelledMidRun; attempt++) {
    await run.run();
    // This run's state, not the last run's tokens still on screen: it started, then its first token came.
    await expect(run.phase()).toHaveAttribute("data-phase", /^(loading|running)$/);
    await expect(tokens.first()).toBeVisible({ timeout: 60_000 });
    // force: a run that has just finished leaves Cancel disabled, and the click then does nothing.
    await run.root.getByTestId("run-cancel").click({ force: true });
    await expect(run.phase()).toHaveAttribute("data-phase", /^(cancelled|done)$/);
    cancelledMidRun = (await run.phase().getAttribute("data-phase")) === "cancelled";
  }
  expect(cancelledMidRun, "a browser run was cancelled before its 256th token").toBe(true);
  const n = await tokens.count();
  expect(n).toBeLessThan(256);
  await expect(run.root.getByTestId("run-start")).toBeEnabled();

  // On the server the same 256 tokens take a fifth of a second, faster than a click. So the run is
  // cancelled while it waits behind other work on the model, which the model's queue reports.
  await run.backend("server");
  // No token of the cancelled browser run arrived since.
  expect(await tokens.count()).toBe(n);
  const before = await serverStats(page);
  const candidates = Array.from({ length: 256 }, (_, i) => "a".repeat(300) + String(i));
  const busy = page.evaluate(async (body) => {
    const res = await fetch("/api/score", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return res.status;
  }, { model: "flamingo-mini", prompt: { parts: [{ type: "text", text: "Output:" }] }, candidates });
  await expect.poll(async () => (await serverStats(page)).queue.running).toBe(true);
  await run.run();
  await expect.poll(async () => (await serverStats(page)).queue.pending).toBe(1);
  await run.root.getByTestId("run-cancel").click();
  await expect(run.phase()).toHaveAttribute("data-phase", "cancelled");
  await expect(tokens).toHaveCount(0);
  expect(await busy).toBe(200);
  // The cancelled run left the queue without generating a token, and the model keeps serving.
  await expect.poll(async () => (await serverStats(page)).queue).toEqual({ pending: 0, running: false });
  expect((await serverStats(page)).tokensGenerated).toBe(before.tokensGenerated);
  await expect(run.root.getByTestId("run-start")).toBeEnabled();

  await run.root.getByTestId("run-trace").check();
  await run.root.getByTestId("run-min-tokens").fill("0");
});

test("WebGPU without an adapter falls back to WASM and says so; a server error shows in the panel", async () => {
  const run = new RunPanelPage(page);
  await run.root.getByTestId("run-tab-generate").click();
  await run.mode("greedy");
  await run.backend("webgpu");
  await run.run();
  await run.waitDone();
  // Headless Chromium without --enable-unsafe-webgpu has no adapter.
  await expect(run.root.getByTestId("webgpu-fallback")).toBeVisible();
  await expect(run.root.getByTestId("run-provider")).toHaveText("Browser · WASM");

  expected = [/status of 503/];
  await page.route("**/api/runs", (route) =>
    route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "unavailable", message: "The model queue is full; try again shortly" } }) }),
  );
  await run.backend("server");
  await run.run();
  await expect(run.phase()).toHaveAttribute("data-phase", "error");
  await expect(run.root.getByTestId("error-notice")).toContainText("The model queue is full; try again shortly");
  await page.unroute("**/api/runs");
  expected = [];
});

test("an image variable is bound by upload before the run; at 390 px nothing overflows", async () => {
  // A template whose query image is the variable {{query_image}}, made through the API and deleted afterwards.
  const upload = await page.request.post("/api/assets", { multipart: { file: { name: "shot.png", mimeType: "image/png", buffer: await makePng(7) } } });
  expect(upload.ok()).toBe(true);
  const { asset } = (await upload.json()) as { asset: { id: string } };
  const libraryId = await libraryIdByName(page.request, "", "My library");
  const created = await page.request.post("/api/templates", { data: { libraryId, document: captionTemplate(`Run e2e ${Date.now()}`, asset.id, "A swatch.") } });
  expect(created.status()).toBe(201);
  const { template } = (await created.json()) as { template: { id: string } };
  try {
    await page.goto(`/templates/${template.id}`);
    const run = new RunPanelPage(page);
    // Unbound: the panel says what is missing and will not run.
    await expect(run.root.getByTestId("error-notice")).toContainText("query_image");
    await expect(run.root.getByTestId("run-start")).toBeDisabled();
    await run.root.getByTestId("bind-query_image").locator('input[type="file"]').setInputFiles({ name: "query.png", mimeType: "image/png", buffer: await makePng(11) });
    await expect(run.root.getByTestId("bind-query_image").locator("img")).toBeVisible();
    await expect(run.root.getByTestId("run-start")).toBeEnabled();
    await run.backend("server");
    await run.run();
    await run.waitDone();
    await expect(run.root.getByTestId("run-usage")).toContainText("2 img");

    await page.setViewportSize({ width: 390, height: 800 });
    await expect(run.root).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  } finally {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.request.delete(`/api/templates/${template.id}`);
  }
});
