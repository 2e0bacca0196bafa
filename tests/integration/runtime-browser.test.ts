/**
 * The browser backend in headless Chromium (Debian's /usr/bin/chromium): the real worker
 * (workers/inference.worker.ts) on onnxruntime-web with the WASM and the WebGPU execution
 * providers (SwiftShader adapter via --enable-unsafe-webgpu) against the golden vectors, and
 * the canvas image decoder against sharp on the same images, within a stated tolerance.
 */
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getServerModel, releaseServerModels } from "@/lib/backends/server";
import { decodeWithSharp } from "@/lib/backends/server/sharp-decoder";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { parseManifest } from "@/lib/runtime/manifest";
import { preprocessImage } from "@/lib/runtime/preprocess";
import { loadGolden, maxAbs, MODEL_ID, MODELS_DIR, PKG } from "./runtime-golden";

/** Decoders may differ by a rounding step: |Δx| ≤ 2 levels (2/127.5 after normalisation), mean |Δx| ≤ 0.002. */
const DECODER_MAX = 2 / 127.5 + 1e-6;
const DECODER_MEAN = 0.002;

const CHROMIUM = "/usr/bin/chromium";
const ORT_DIST = path.join(process.cwd(), "node_modules/onnxruntime-web/dist");
let dir: string;
let server: Server;
let base: string;
let browser: Browser;
let page: Page;
let g: ReturnType<typeof loadGolden>;
const extra = new Map<string, Uint8Array>(); // /extra/<name> -> bytes

const TYPES: Record<string, string> = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png", ".jpg": "image/jpeg" };

beforeAll(async () => {
  g = loadGolden();
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install -y chromium)`);
  dir = await mkdtemp(path.join(os.tmpdir(), "flamingo-browser-"));
  const common = { bundle: true, format: "esm" as const, platform: "browser" as const, target: "es2022", logLevel: "error" as const, tsconfig: "tsconfig.json" };
  await build({ ...common, entryPoints: ["workers/inference.worker.ts"], outfile: path.join(dir, "worker.js") });
  await build({ ...common, entryPoints: ["tests/integration/runtime-browser-page.ts"], outfile: path.join(dir, "page.js") });
  await writeFile(path.join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>`);
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://x");
      const p = decodeURIComponent(url.pathname);
      let file: string | undefined;
      let body: Uint8Array | undefined;
      if (p === "/" || p === "/index.html") file = path.join(dir, "index.html");
      else if (p === "/worker.js" || p === "/page.js") file = path.join(dir, p.slice(1));
      else if (p.startsWith("/pkg/")) file = path.join(PKG, p.slice(5));
      else if (p.startsWith("/assets/")) body = g.images.get(p.slice(8));
      else if (p.startsWith("/extra/")) body = extra.get(p.slice(7));
      // ORT's runtime where the app self-hosts it: /ort/<version>/<file> (lib/backends/browser/runtime-files.ts).
      else if (/^\/ort\/[\d.]+\/ort[-.][\w.-]+\.(m?js|wasm)$/.test(p)) file = path.join(ORT_DIST, p.split("/").at(-1)!);
      if (file && !path.normalize(file).includes("..")) body = await readFile(file).then((b) => new Uint8Array(b), () => undefined);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      const ext = path.extname(file ?? p) || ".html";
      res.writeHead(200, { "content-type": ext === ".html" ? "text/html" : (TYPES[ext] ?? "application/octet-stream") }).end(body);
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--enable-unsafe-webgpu"],
  });
  page = await browser.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(`${base}/`);
  await page.waitForFunction(() => "flamingo" in window);
}, 180_000);

afterAll(async () => {
  await releaseServerModels();
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface ParityOut {
  info: { executionProvider: string; fallbackReason?: string };
  visual: number[][];
  logits: number[][];
  greedy: number[][];
  scores: number[];
}

const CANDIDATES = ["dax", "blicket zup", "wug", "a much longer candidate answer"];
const argsort = (xs: readonly number[]) => xs.map((_, i) => i).sort((a, b) => xs[b]! - xs[a]!);
let nodeScores: Promise<{ sum: number; tokens: number }[]> | undefined;
/** The same candidates scored by the engine on onnxruntime-node (itself checked against a full forward). */
const referenceScores = () =>
  (nodeScores ??= getServerModel(MODEL_ID, { modelsDir: MODELS_DIR, imageSource: g.imageSource }).then(async (m) =>
    (await m.engine.score(g.toSequence(g.golden.prompts[0]!.text, g.golden.prompts[0]!.images), CANDIDATES)).map((s) => ({ sum: s.sum, tokens: s.tokenLogProbs.length })),
  ));

async function runParity(ep: "wasm" | "webgpu") {
  const prompts: PromptSequence[] = g.golden.prompts.map((p) => g.toSequence(p.text, p.images));
  const first = g.golden.prompts.find((p) => p.images.length > 0)!;
  const assetIds = first.images.map((f) => g.byFile.get(f)!);
  const out = (await page.evaluate(
    ([ep, prompts, assetIds, cands]) => (window as unknown as { flamingo: { parity(...a: unknown[]): Promise<unknown> } }).flamingo.parity(ep, prompts, assetIds, cands),
    [ep, prompts, assetIds, CANDIDATES] as const,
  )) as ParityOut;
  let vis = 0;
  out.visual.forEach((v, i) => (vis = Math.max(vis, maxAbs(v.slice(0, 16), first.visual_tokens.first_16_of_each_image[i]!))));
  let lg = 0;
  g.golden.prompts.forEach((p, i) => {
    const l = out.logits[i]!;
    lg = Math.max(lg, maxAbs(l.slice(0, 32), p.first_position_logits.first_32));
    const top5 = [...l.keys()].sort((a, b) => l[b]! - l[a]!).slice(0, 5);
    expect(top5, `${ep} ${p.name}`).toEqual(p.first_position_logits.top5);
    expect(out.greedy[i], `${ep} ${p.name}`).toEqual(p.greedy_ids.slice(0, out.greedy[i]!.length));
  });
  const reference = await referenceScores();
  const sc = maxAbs(out.scores, reference.map((r) => r.sum));
  console.log(`browser ${ep}: ran on ${out.info.executionProvider}${out.info.fallbackReason ? ` (${out.info.fallbackReason})` : ""}; max abs diff visual tokens ${vis.toExponential(2)}, logits ${lg.toExponential(2)}, candidate scores vs onnxruntime-node ${sc.toExponential(2)}`);
  expect(vis).toBeLessThanOrEqual(g.golden.tolerance.visual_tokens);
  expect(lg).toBeLessThanOrEqual(g.golden.tolerance.logits);
  // A score sums one log-prob per token; each log-prob is a logit minus a log-sum-exp, both within the
  // logits tolerance, so a candidate of n tokens may be off by up to 2·n times it — plus a relative
  // term, because float error grows with magnitude and an unlikely candidate sits far in the tail
  // (WebGPU on SwiftShader: "dax" at −13.92 vs −13.93 on onnxruntime-node).
  reference.forEach((r, i) =>
    expect(Math.abs(out.scores[i]! - r.sum), `${ep} ${CANDIDATES[i]}`).toBeLessThanOrEqual(2 * r.tokens * g.golden.tolerance.logits + 2e-3 * Math.abs(r.sum)),
  );
  // The ranking itself agrees.
  expect(argsort(out.scores)).toEqual(argsort(reference.map((r) => r.sum)));
  return out;
}

describe("browser backend in headless Chromium", () => {
  it("WASM execution provider reproduces the golden vectors", async () => {
    const out = await runParity("wasm");
    expect(out.info.executionProvider).toBe("wasm");
  }, 180_000);

  it("WebGPU execution provider (SwiftShader) reproduces the golden vectors", async () => {
    const out = await runParity("webgpu");
    expect(out.info.executionProvider).toBe("webgpu");
  }, 300_000);

  it("a WebGPU adapter measured slower than WASM is not used, says so, and is remembered", async () => {
    type SpeedOut = { info: { executionProvider: string; fallbackReason?: string }; titles: string[]; tokens: number };
    const speedCheck = () => page.evaluate(() => (window as unknown as { flamingo: { speedCheck(): Promise<unknown> } }).flamingo.speedCheck()) as Promise<SpeedOut>;
    // SwiftShader (a CPU emulating a GPU) is let through as a slow hardware adapter would be: timed, it loses.
    const first = await speedCheck();
    console.log(`speed check: ${first.info.executionProvider}: ${first.info.fallbackReason}`);
    expect(first.info.executionProvider).toBe("wasm");
    expect(first.info.fallbackReason).toMatch(/^WebGPU measured slower than WASM on this device \([\d.]+ ms against [\d.]+ ms for one image and one token\)$/);
    expect(first.titles).toContain("Timing WebGPU against WASM on this device (once)…");
    expect(first.tokens).toBe(2);
    // A new worker in the same browser: the timings are remembered, WebGPU is not tried again.
    const second = await speedCheck();
    expect(second.info.executionProvider).toBe("wasm");
    expect(second.info.fallbackReason).toMatch(/, measured on an earlier load\)$/);
    expect(second.titles).not.toContain("Timing WebGPU against WASM on this device (once)…");
  }, 300_000);

  it("canvas decoding + preprocessing equals sharp's within the stated tolerance", async () => {
    const spec = parseManifest(JSON.parse(readFileSync(path.join(PKG, "manifest.json"), "utf8"))).image_preprocessing;
    // golden PNGs, an RGBA PNG with partial alpha at another size, a JPEG (lossy decoders), a large PNG
    const w = 50, h = 41;
    const raw = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([(x * 5) % 256, (y * 6) % 256, (x * y) % 256, (x * 7 + y * 3) % 256], (y * w + x) * 4);
    extra.set("alpha.png", new Uint8Array(await sharp(raw, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer()));
    extra.set("photo.jpg", new Uint8Array(await sharp(raw, { raw: { width: w, height: h, channels: 4 } }).flatten({ background: "#808080" }).resize(120, 90).jpeg({ quality: 85 }).toBuffer()));
    // A photo-sized image: both decoders shrink it natively to DECODE_MAX_SIDE first (different kernels).
    const W = 1600, H = 1200;
    const big = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) big.set([Math.round((x / W) * 255), Math.round((y / H) * 255), Math.round(((x + y) / (W + H)) * 255)], (y * W + x) * 3);
    extra.set("big.png", new Uint8Array(await sharp(big, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer()));
    const names = [...g.byFile.keys()];
    const urls = [...names.map((f) => `/pkg/${f}`), "/extra/alpha.png", "/extra/photo.jpg", "/extra/big.png"];
    const fromBrowser = (await page.evaluate(
      ([urls, spec]) => (window as unknown as { flamingo: { preprocess(...a: unknown[]): Promise<unknown> } }).flamingo.preprocess(urls, spec),
      [urls, spec] as const,
    )) as number[][];
    const bytes = [...names.map((f) => new Uint8Array(readFileSync(path.join(PKG, f)))), extra.get("alpha.png")!, extra.get("photo.jpg")!, extra.get("big.png")!];
    let worst = 0;
    let worstMean = 0;
    for (const [i, b] of bytes.entries()) {
      const ours = preprocessImage(await decodeWithSharp(b), spec);
      const theirs = fromBrowser[i]!;
      expect(theirs.length).toBe(ours.length);
      let sum = 0;
      for (let k = 0; k < ours.length; k++) sum += Math.abs(ours[k]! - theirs[k]!);
      worst = Math.max(worst, maxAbs(ours, theirs));
      worstMean = Math.max(worstMean, sum / ours.length);
      if (i < names.length) expect(maxAbs(ours, theirs), names[i]).toBe(0); // lossless, opaque: identical
    }
    console.log(`canvas vs sharp preprocessing: max abs diff ${worst.toExponential(2)}, worst mean abs diff ${worstMean.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(DECODER_MAX);
    expect(worstMean).toBeLessThanOrEqual(DECODER_MEAN);
  }, 120_000);
});
