import { expect, type APIRequestContext, type Page } from "@playwright/test";
import sharp from "sharp";
import type { TemplateInput } from "@/lib/prompt/schema";

/** Fresh-database server started by playwright.config.ts beside the main one. */
export const freshBaseURL = `http://localhost:${Number(process.env.E2E_PORT ?? 3210) + 1}`;

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
