import { expect, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import sharp from "sharp";
import type { TemplateInput } from "@/lib/prompt/schema";

/** Fresh-database server started by playwright.config.ts beside the main one. */
export const freshBaseURL = `http://localhost:${Number(process.env.E2E_PORT ?? 3210) + 1}`;

/**
 * Collects the page's console errors and warnings (but those `expected()` matches at the time) and
 * uncaught errors into `problems`, for a test to assert empty; returns `problems`.
 */
export function watchConsole(page: Page, problems: string[] = [], expected: () => readonly RegExp[] = () => []): string[] {
  page.on("console", (m) => {
    if ((m.type() === "error" || m.type() === "warning") && !expected().some((r) => r.test(m.text()))) problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

/**
 * Keyboard drag and drop with dnd-kit's KeyboardSensor on a handle: Space lifts, arrows move, Space
 * drops. Each step waits on dnd-kit's own state, not on time: the handle is pressed once lifted (and
 * the sensor, which starts listening for keys from a timer it sets while lifting, has that timer
 * run), and after every arrow the live region must announce a new place before the next key. Under
 * CPU load a move can first scroll the page (smoothly) and only then change the place: a key or the
 * drop handled before that lands in the old place (the flake seen under load).
 */
export async function keyboardMove(handle: Locator, key: "ArrowDown" | "ArrowUp" | "ArrowLeft" | "ArrowRight", times = 1): Promise<void> {
  const page = handle.page();
  await handle.focus();
  // dnd-kit renders its hidden instructions (the handle's aria-describedby) and live region side by side.
  const describedBy = await handle.getAttribute("aria-describedby");
  if (!describedBy) throw new Error("the handle is not a dnd-kit draggable (no aria-describedby)");
  const liveRegion = page.locator(`[id="${describedBy}"] + [role="status"]`);
  const announced = async () => (await liveRegion.textContent()) ?? "";
  await page.keyboard.press("Space");
  await expect(handle).toHaveAttribute("aria-pressed", "true");
  await page.evaluate(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
  for (let n = 0; n < times; n++) {
    const before = await announced();
    await page.keyboard.press(key);
    await expect.poll(announced).toMatch(/ is over the place of /);
    await expect.poll(announced).not.toBe(before);
  }
  await page.keyboard.press("Space");
  await expect(liveRegion).toHaveText(/^Dropped /);
  await expect(handle).not.toHaveAttribute("aria-pressed", "true");
}

/**
 * A real mouse drag of a dnd-kit handle so that its centre ends on `to`, in small steps (the pointer
 * sensor activates after 4 px). Waits on state, not on time: the drag is active (the handle is
 * pressed), and the lifted item has followed the pointer to `to` (the same render that computes what
 * it is over) before the button is released.
 */
export async function pointerDrag(handle: Locator, to: { x: number; y: number }, steps = 15): Promise<void> {
  const page = handle.page();
  const centre = async () => {
    const b = await handle.boundingBox();
    if (!b) throw new Error("the drag handle is not on screen");
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  };
  const from = await centre();
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) await page.mouse.move(from.x + ((to.x - from.x) * i) / steps, from.y + ((to.y - from.y) * i) / steps);
  await expect(handle).toHaveAttribute("aria-pressed", "true");
  await expect.poll(async () => { const c = await centre(); return Math.max(Math.abs(c.x - to.x), Math.abs(c.y - to.y)); }).toBeLessThan(3);
  await page.mouse.up();
  await expect(handle).not.toHaveAttribute("aria-pressed", "true");
}

/** Pastes a PNG onto `target` as the user would: focus, then a real ClipboardEvent carrying the file. */
export async function pasteImage(target: Locator, png: Buffer): Promise<void> {
  await target.focus();
  await target.page().evaluate(
    async ({ b64 }) => {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "pasted.png", { type: "image/png" }));
      document.activeElement!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    { b64: png.toString("base64") },
  );
}

/** A small real PNG; `seed` varies the colour so each test gets its own asset. */
export async function makePng(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 48, height: 40, channels: 3, background: { r: (seed * 53) % 256, g: (seed * 97) % 256, b: 180 } } })
    .png()
    .toBuffer();
}

export function captionTemplate(name: string, assetId: string, answer: string): TemplateInput {
  return {
    formatVersion: 1,
    name,
    description: "Made by the end-to-end test.",
    tags: ["e2e", "captioning"],
    variables: [{ name: "query_image", kind: "image" }],
    shots: [{ blocks: [{ type: "image", source: { kind: "asset", assetId } }, { type: "text", text: "Output:" }], answer }],
    query: { blocks: [{ type: "image", source: { kind: "variable", name: "query_image" } }, { type: "text", text: "Output:" }] },
  };
}

/** Page object for the JSON source editor (Monaco), new or edit. */
export class SourceEditor {
  constructor(private readonly page: Page) {}

  async ready(): Promise<void> {
    await expect(this.page.getByTestId("template-source-editor")).toBeVisible();
    await this.page.waitForFunction(() => Boolean(window.__flamingoSourceEditor));
  }

  async setDocument(doc: unknown): Promise<void> {
    await this.setText(JSON.stringify(doc, null, 2));
  }

  async setText(text: string): Promise<void> {
    await this.page.evaluate((t) => window.__flamingoSourceEditor!.setValue(t), text);
  }

  async text(): Promise<string> {
    return this.page.evaluate(() => window.__flamingoSourceEditor!.getValue());
  }

  async upload(file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
    await this.page.getByTestId("upload-image-input").setInputFiles(file);
  }

  async save(message: string): Promise<void> {
    await expect(this.page.getByTestId("editor-valid")).toBeVisible();
    await this.page.getByTestId("version-message").fill(message);
    await expect(this.page.getByTestId("save-template")).toBeEnabled();
    await this.page.getByTestId("save-template").click();
  }
}

/** A library's export file, without the field that differs between two exports. */
export async function exportWithoutTimestamp(request: APIRequestContext, baseURL: string, libraryId: string): Promise<Record<string, unknown>> {
  const res = await request.get(`${baseURL}/api/libraries/${libraryId}/export`);
  expect(res.status()).toBe(200);
  const { exportedAt: _ignored, ...rest } = (await res.json()) as Record<string, unknown>;
  return rest;
}

export async function libraryIdByName(request: APIRequestContext, baseURL: string, name: string): Promise<string> {
  const res = await request.get(`${baseURL}/api/libraries`);
  const { libraries } = (await res.json()) as { libraries: { id: string; name: string }[] };
  const lib = libraries.find((l) => l.name === name);
  expect(lib, `library "${name}" on ${baseURL}`).toBeTruthy();
  return lib!.id;
}

// ------------------------------------------------------------------ comparisons (sweeps)

export interface CurveRow {
  series: string;
  selection: string;
  source: number;
  shots: number;
  accuracy: number;
  n: number;
}

/** Page object for /sweeps/new. */
export class NewSweepPage {
  constructor(readonly page: Page) {}

  async goto(query = ""): Promise<void> {
    await this.page.goto(`/sweeps/new${query}`);
    await expect(this.page.getByTestId("new-sweep-form")).toBeVisible();
  }

  async choose(o: { template?: string; dataset?: string; shots?: number[]; mode?: "rank" | "generate"; backend?: "server" | "browser"; seeds?: number; queries?: number; name?: string }): Promise<void> {
    const form = this.page.getByTestId("new-sweep-form");
    if (o.template) await form.getByTestId("sweep-template-select").selectOption({ label: o.template });
    if (o.dataset) {
      // Options read "name · N items".
      const select = form.getByTestId("sweep-dataset-select");
      const value = await select.locator("option").filter({ hasText: new RegExp(`^${escapeRegExp(o.dataset)} ·`) }).first().getAttribute("value");
      await select.selectOption(value!);
    }
    if (o.shots) {
      for (const chip of await form.getByTestId("shot-chip").all()) {
        const n = Number(await chip.getAttribute("data-shots"));
        const on = (await chip.getAttribute("aria-pressed")) === "true";
        if (on !== o.shots.includes(n)) await chip.click();
      }
    }
    if (o.mode) await form.locator(`label:has([data-testid="sweep-mode-${o.mode}"])`).click();
    if (o.backend) await form.locator(`label:has([data-testid="sweep-backend-${o.backend}"])`).click();
    if (o.seeds !== undefined) await form.getByTestId("sweep-seeds-input").fill(String(o.seeds));
    if (o.queries !== undefined) await form.getByTestId("sweep-queries-input").fill(String(o.queries));
    if (o.name) await form.getByTestId("sweep-name-input").fill(o.name);
  }

  /** Submit and wait for the sweep page; returns the sweep id. */
  async submit(): Promise<string> {
    await this.page.getByTestId("sweep-submit").click();
    await this.page.waitForURL(/\/sweeps\/[0-9a-f-]{36}/);
    await expect(this.page.getByTestId("sweep-view")).toBeVisible();
    return this.page.url().split("/sweeps/")[1]!.split(/[?#]/)[0]!;
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Page object for /sweeps/[id]. */
export class SweepPage {
  constructor(readonly page: Page) {}

  get view() {
    return this.page.getByTestId("sweep-view");
  }

  async waitStatus(status: "done" | "cancelled" | "running", timeout = 180_000): Promise<void> {
    await expect(this.view).toHaveAttribute("data-status", status, { timeout });
  }

  /** The chart's numbers, read from its table's data attributes. */
  async curve(): Promise<CurveRow[]> {
    return this.page.getByTestId("curve-row").evaluateAll((rows) =>
      rows.map((r) => {
        const d = (r as HTMLElement).dataset;
        return { series: d.series ?? "", selection: d.selection ?? "", source: Number(d.source), shots: Number(d.shots), accuracy: d.accuracy === "" ? Number.NaN : Number(d.accuracy), n: Number(d.n) };
      }),
    );
  }

  cell(row: number, shots: number) {
    return this.page.getByTestId("grid-row").nth(row).locator(`[data-testid="grid-cell"][data-shots="${shots}"]`);
  }

  async openCell(row: number, shots: number): Promise<void> {
    await this.cell(row, shots).click();
    await expect(this.page.getByTestId("prompt-dialog")).toBeVisible();
    await expect(this.page.getByTestId("cell-prompt")).toBeVisible();
  }

  /** Click an export button and read the downloaded file. */
  async export(format: "csv" | "json"): Promise<{ name: string; text: string }> {
    const [download] = await Promise.all([this.page.waitForEvent("download"), this.page.getByTestId(`export-${format}`).click()]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return { name: download.suggestedFilename(), text: Buffer.concat(chunks).toString("utf8") };
  }
}

/** Ids of the example template and dataset a sweep test uses (seeded in the Examples library). */
export async function exampleIds(request: APIRequestContext, baseURL: string, template: string, dataset: string): Promise<{ templateId: string; datasetId: string }> {
  const t = (await (await request.get(`${baseURL}/api/templates`)).json()) as { templates: { id: string; name: string }[] };
  const d = (await (await request.get(`${baseURL}/api/datasets`)).json()) as { datasets: { id: string; name: string }[] };
  const templateId = t.templates.find((x) => x.name === template)?.id;
  const datasetId = d.datasets.find((x) => x.name === dataset)?.id;
  expect(templateId, `template "${template}"`).toBeTruthy();
  expect(datasetId, `dataset "${dataset}"`).toBeTruthy();
  return { templateId: templateId!, datasetId: datasetId! };
}

/** Page object for a notebook (/notebooks/:id): its cells, their run controls and reordering. */
export class NotebookPage {
  constructor(readonly page: Page) {}
  get cells() {
    return this.page.getByTestId("notebook-cell");
  }
  cell(i: number) {
    return this.cells.nth(i);
  }
  titles(): Promise<string[]> {
    return this.page.getByTestId("cell-title").evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
  }
  /** Opens the cell's parameters and picks the backend. */
  async setBackend(i: number, backend: "webgpu" | "wasm" | "server"): Promise<void> {
    const cell = this.cell(i);
    const details = cell.locator("details:has([data-testid='cell-params-summary'])");
    if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await cell.getByTestId("cell-params-summary").click();
    await cell.locator(`label:has([data-testid="run-backend-${backend}"])`).click();
    await expect(cell.getByTestId(`run-backend-${backend}`)).toBeChecked();
  }
  /** Runs one cell and waits until its run is saved. */
  async run(i: number, timeout = 120_000): Promise<void> {
    const cell = this.cell(i);
    await cell.getByTestId("run-start").click();
    await expect(cell.getByTestId("run-phase")).toHaveAttribute("data-phase", /done|error|cancelled/, { timeout });
    await expect(cell.getByTestId("run-phase")).toHaveAttribute("data-phase", "done");
    await expect(cell.getByTestId("cell-run-saved")).toBeVisible();
  }
  /** Keyboard drag and drop with dnd-kit's KeyboardSensor on the cell's handle. */
  async keyboardMove(i: number, key: "ArrowUp" | "ArrowDown", times = 1): Promise<void> {
    await keyboardMove(this.cell(i).getByTestId("cell-handle"), key, times);
  }
}
