/* global document */ // page.waitForFunction bodies run in the browser
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
} finally {
  await browser.close();
}
