import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { libraryIdByName, SourceEditor, watchConsole } from "./support";

/**
 * The browser model's load on the template page (production build): it starts when the Run panel
 * mounts, shows every phase truthfully (download with the runtime's and the model's bytes, compile,
 * warm-up), fetches only the WASM runtime it needs from /ort/<version>/ on a cross-origin-isolated
 * page, and a second visit reads everything from the browser cache. Every wait is on state: the
 * phases are recorded by a MutationObserver in the page, so none can pass unseen between two polls.
 */
const EXAMPLE = "Classification with novel words (dax or blicket)";

interface Seen {
  phase: string;
  fromCache: string;
  background: string;
  bytes: string;
}

declare global {
  interface Window {
    __loadSeen?: Seen[];
  }
}

/** Records every distinct state of [data-testid=model-load] from the first script on. */
function recordLoadStates() {
  const seen: Seen[] = [];
  window.__loadSeen = seen;
  const look = () => {
    const el = document.querySelector<HTMLElement>('[data-testid="model-load"]');
    if (!el) return;
    const s = { phase: el.dataset.phase ?? "", fromCache: el.dataset.fromCache ?? "", background: el.dataset.background ?? "", bytes: el.querySelector('[data-testid="model-load-bytes"]')?.textContent ?? "" };
    const last = seen.at(-1);
    if (!last || last.phase !== s.phase || last.fromCache !== s.fromCache || last.bytes !== s.bytes) seen.push(s);
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}

let context: BrowserContext;
let page: Page;
let templateUrl = "";
const problems: string[] = [];
const requests: string[] = [];

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext();
  await context.addInitScript(recordLoadStates);
  // Worker requests (the runtime, the model files) are the context's, not the page's.
  context.on("request", (r) => requests.push(r.url()));
  page = await context.newPage();
  watchConsole(page, problems);
  const res = await page.request.get("/api/templates");
  const { templates } = (await res.json()) as { templates: { id: string; name: string; libraryName: string }[] };
  const example = templates.find((t) => t.name === EXAMPLE && t.libraryName === "Examples");
  expect(example, EXAMPLE).toBeTruthy();
  templateUrl = `/templates/${example!.id}`;
});

test.afterAll(async () => {
  await context.close();
});

test.afterEach(() => {
  expect(problems, "console errors and warnings").toEqual([]);
});

const seen = () => page.evaluate(() => window.__loadSeen ?? []);
const mb = (s: string) => s.split(" / ").map((x) => Number.parseFloat(x));

test("the Run panel loads the model in the background, phase by phase, and a run then answers at once", async () => {
  test.setTimeout(180_000);
  await page.goto(templateUrl);
  const panel = page.getByTestId("run-panel");
  await expect(panel).toBeVisible();
  // Cross-origin isolated (COOP/COEP), with the nonce CSP still on the page.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  // The load starts by itself and ends (the status goes away) without Run being pressed.
  await expect.poll(async () => (await seen()).length, { timeout: 60_000 }).toBeGreaterThan(0);
  await expect(panel.getByTestId("model-load")).toHaveCount(0, { timeout: 120_000 });
  const states = await seen();
  expect(states.every((s) => s.background === "true")).toBe(true);
  // Every phase, in order, none from the cache on a first visit.
  expect([...new Set(states.map((s) => s.phase))]).toEqual(["download", "compile", "warmup"]);
  expect(states.every((s) => s.fromCache === "false")).toBe(true);
  // The bytes count the runtime (14.2 MB) and the model (9.8 MB), and reach their total.
  const [loaded, total] = mb(states.findLast((s) => s.phase === "download")!.bytes);
  expect(total).toBeGreaterThan(20);
  expect(loaded).toBe(total);

  // Only the WASM runtime, self-hosted and versioned; never the WebGPU/JSEP/JSPI builds, never a CDN.
  const runtime = requests.filter((u) => /\.wasm(\?|$)/.test(u));
  expect(runtime.length).toBeGreaterThan(0);
  expect(runtime.every((u) => /^http:\/\/localhost:\d+\/ort\/\d+\.\d+\.\d+\/ort-wasm-simd-threaded\.wasm$/.test(u))).toBe(true);
  expect(requests.filter((u) => !/^(https?:\/\/localhost(:\d+)?\/|data:|blob:)/.test(u))).toEqual([]);

  // Run: no load left to wait for; the answer says how the model was loaded.
  await panel.getByTestId("run-tab-generate").click();
  await panel.locator('label:has([data-testid="run-backend-wasm"])').click();
  await panel.getByTestId("run-start").click();
  await expect(panel.getByTestId("run-phase")).toHaveAttribute("data-phase", /done|error/, { timeout: 60_000 });
  await expect(panel.getByTestId("run-phase")).toHaveAttribute("data-phase", "done");
  await expect(panel.getByTestId("run-provider")).toHaveText("Browser · WASM");
  await expect(panel.getByTestId("run-model-source")).toHaveText(/^downloaded 2\d\.\d MB$/);
  expect((await seen()).some((s) => s.background === "false")).toBe(false);
});

test("a second visit reads the runtime and the model from the browser cache, and says so", async () => {
  test.setTimeout(180_000);
  const before = requests.length;
  await page.reload();
  const panel = page.getByTestId("run-panel");
  await expect.poll(async () => (await seen()).length, { timeout: 60_000 }).toBeGreaterThan(0);
  await expect(panel.getByTestId("model-load")).toHaveCount(0, { timeout: 120_000 });
  const states = await seen();
  expect([...new Set(states.map((s) => s.phase))]).toEqual(["download", "compile", "warmup"]);
  // Once both parts said where they come from, every report is "from the cache".
  expect(states.at(-1)!.fromCache).toBe("true");
  expect(states.filter((s) => s.phase !== "download").every((s) => s.fromCache === "true")).toBe(true);
  // No model file was fetched again (Cache Storage), and the manifest was only revalidated.
  expect(requests.slice(before).filter((u) => /\/models\/flamingo-mini\/(lm|vision)\.onnx$/.test(u))).toEqual([]);

  await panel.getByTestId("run-tab-generate").click();
  await panel.locator('label:has([data-testid="run-backend-wasm"])').click();
  await panel.getByTestId("run-start").click();
  await expect(panel.getByTestId("run-phase")).toHaveAttribute("data-phase", /done|error/, { timeout: 60_000 });
  await expect(panel.getByTestId("run-phase")).toHaveAttribute("data-phase", "done");
  await expect(panel.getByTestId("run-model-source")).toHaveText(/^from the browser cache/);
});

test("Monaco and the prompt's images still load on the isolated template editor", async () => {
  // The Examples library is read-only: edit a fork of the example (deleted afterwards).
  const exampleId = templateUrl.split("/").at(-1)!;
  const libraryId = await libraryIdByName(page.request, "", "My library");
  const fork = await page.request.post(`/api/templates/${exampleId}/fork`, { data: { libraryId, name: `Load e2e ${Date.now()}` } });
  expect(fork.status()).toBe(201);
  const { template } = (await fork.json()) as { template: { id: string } };
  try {
    await page.goto(`/templates/${template.id}/edit`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await new SourceEditor(page).ready();
    await expect(page.locator(".monaco-editor").first()).toBeVisible();
    const images = page.locator('img[src^="/api/assets/"]');
    await expect(images.first()).toBeVisible();
    await expect.poll(() => images.evaluateAll((els) => els.length > 0 && els.every((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0))).toBe(true);
  } finally {
    await page.request.delete(`/api/templates/${template.id}`);
  }
});
