/**
 * The transformers.js worker in headless Chromium (Debian's /usr/bin/chromium) on the tiny SmolVLM fixture,
 * remote models off, WASM (and WebGPU on SwiftShader): the chat template's text, greedy tokens and each
 * token's log-prob against the PyTorch reference, rank sums against the summed reference log-probs; per-file
 * progress, a second load from the browser's cache, "remove from this browser", cancel, and a corrupt file
 * named in the error. Bundled with esbuild the way Next bundles the worker: `onnxruntime-web/webgpu` is the
 * app's one onnxruntime-web (package.json `overrides` dedupes transformers.js's pin to it), its runtime served
 * from /ort/<version>/ as the app self-hosts it.
 */
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logSoftmaxAt } from "@/lib/backends/transformersjs/engine";
import type { TfjsLoadedInfo, TfjsLoadRequest, TfjsProgress } from "@/lib/backends/transformersjs/protocol";
import type { CandidateScore, GenerateResult } from "@/lib/runtime/engine";
import { CANDIDATES, caseSequence, fixtureAssets, loadTinyGolden, TINY_QWEN2VL, TINY_SMOLVLM, withAssetIds, type TinyGolden } from "./transformersjs-golden";

const CHROMIUM = "/usr/bin/chromium";
const ORT_DIST = path.join(process.cwd(), "node_modules/onnxruntime-web/dist");
const MODEL = "/models-test/tiny-smolvlm";
const QWEN = "/models-test/tiny-qwen2vl";
const CORRUPT = "/models-corrupt/tiny-smolvlm";
let dir: string;
let server: Server;
let base: string;
let browser: Browser;
let page: Page;
let g: TinyGolden;
const assets = fixtureAssets();
const TYPES: Record<string, string> = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png", ".onnx": "application/octet-stream" };

beforeAll(async () => {
  g = loadTinyGolden();
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install -y chromium)`);
  dir = await mkdtemp(path.join(os.tmpdir(), "tfjs-browser-"));
  const common = {
    bundle: true,
    format: "esm" as const,
    platform: "browser" as const,
    target: "es2022",
    logLevel: "error" as const,
    tsconfig: "tsconfig.json",
  };
  await build({ ...common, entryPoints: ["workers/transformersjs.worker.ts"], outfile: path.join(dir, "worker.js"), splitting: false });
  await build({ ...common, entryPoints: ["tests/integration/transformersjs-browser-page.ts"], outfile: path.join(dir, "page.js") });
  await writeFile(path.join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>`);
  const decoder = readFileSync(path.join(TINY_SMOLVLM, "onnx/decoder_model_merged.onnx"));
  server = createServer((req, res) => {
    void (async () => {
      const p = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      let file: string | undefined;
      let body: Uint8Array | undefined;
      if (p === "/" || p === "/index.html") file = path.join(dir, "index.html");
      else if (p === "/worker.js" || p === "/page.js") file = path.join(dir, p.slice(1));
      else if (p === `${CORRUPT}/onnx/decoder_model_merged.onnx`) body = new Uint8Array(decoder.subarray(0, 1000));
      else if (p.startsWith(`${MODEL}/`)) file = path.join(TINY_SMOLVLM, p.slice(MODEL.length + 1));
      else if (p.startsWith(`${QWEN}/`)) file = path.join(TINY_QWEN2VL, p.slice(QWEN.length + 1));
      else if (p.startsWith(`${CORRUPT}/`)) file = path.join(TINY_SMOLVLM, p.slice(CORRUPT.length + 1));
      else if (p.startsWith("/assets/")) body = assets.bytesOf.get(p.slice(8));
      else if (/^\/ort\/[\d.]+\/ort[-.][\w.-]+\.(m?js|wasm)$/.test(p)) file = path.join(ORT_DIST, p.split("/").at(-1)!);
      if (file && !path.normalize(file).includes("..")) body = await readFile(file).then((b) => new Uint8Array(b), () => undefined);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      const ext = path.extname(file ?? p) || ".html";
      res.writeHead(200, { "content-type": ext === ".html" ? "text/html" : (TYPES[ext] ?? "application/octet-stream"), "content-length": String(body.byteLength) }).end(body);
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
  await page.waitForFunction(() => "tfjs" in window);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

type LoadOut = { ok: true; info: TfjsLoadedInfo; progress: TfjsProgress[] } | { ok: false; error: string; progress: TfjsProgress[] };
const call = <T>(fn: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(([fn, args]) => (window as unknown as { tfjs: Record<string, (...a: unknown[]) => Promise<unknown>> }).tfjs[fn as string]!(...(args as unknown[])), [fn, args] as const) as Promise<T>;
const load = (req: Partial<TfjsLoadRequest>) => call<LoadOut>("load", { model: MODEL, dtype: "fp32", allowRemote: false, assetUrl: "/assets/", ...req });
const seq = (c: TinyGolden["cases"][number]) => withAssetIds(caseSequence(c).prompt, assets.idOf);

async function parity(device: "wasm" | "webgpu", model = MODEL, golden = g): Promise<string> {
  const out = await load({ model, device, allowSoftwareAdapter: true });
  if (!out.ok) throw new Error(out.error);
  let worst = 0;
  for (const c of golden.cases.filter((x) => caseSequence(x).style === "turns")) {
    expect(await call<string>("render", seq(c))).toBe(c.text);
    const { result, events } = await call<{ result: GenerateResult; events: { tokenId: number; logprob?: number }[] }>("generate", seq(c), c.greedy.tokenIds.length);
    expect(result.tokenIds, `${device} ${c.name}`).toEqual(c.greedy.tokenIds);
    expect(result.usage.promptTokens).toBe(c.inputIds.length);
    events.forEach((e, i) => (worst = Math.max(worst, Math.abs(e.logprob! - logSoftmaxAt(c.greedy.stepLogits[i]!, e.tokenId)))));
    const scores = await call<CandidateScore[]>("score", seq(c), CANDIDATES);
    scores.forEach((s, i) => {
      expect(s.tokenIds).toEqual(c.candidates[i]!.tokenIds);
      worst = Math.max(worst, Math.abs(s.sum - c.candidates[i]!.sum) / s.tokenIds.length);
    });
  }
  console.log(`transformers.js in Chromium (${model}, ${device}): ran on ${out.info.executionProvider}${out.info.fallbackReason ? ` (${out.info.fallbackReason})` : ""}; max |log-prob − reference| per token ${worst.toExponential(2)}`);
  // WASM matches onnxruntime-node to float32 rounding; SwiftShader's WebGPU kernels reorder reductions and
  // approximate exp/log in shaders (seen: 1.0e-2 per token on logits of magnitude ~20), so a looser bound there.
  expect(worst).toBeLessThan(device === "wasm" ? 1e-3 : 3e-2);
  return out.info.executionProvider;
}

describe("transformers.js worker in headless Chromium", () => {
  it("WASM: reference tokens, log-probs and rank sums; progress per file; the second load from the cache", async () => {
    await page.evaluate(() => caches.delete("flamingo-transformersjs-v1"));
    // The size before download: every file of the layout, as the server has them.
    const size = await call<{ bytes: number; missing: string[]; files: { file: string; bytes: number | null; cached: boolean }[] }>("size", MODEL);
    expect(size.missing).toEqual([]);
    const onDisk = size.files.map((f) => statSync(path.join(TINY_SMOLVLM, f.file)).size);
    expect(size.files.map((f) => f.bytes)).toEqual(onDisk);
    expect(size.bytes).toBe(onDisk.reduce((a, b) => a + b, 0));
    expect(size.files.every((f) => !f.cached)).toBe(true);
    const first = await load({ device: "wasm" });
    if (!first.ok) throw new Error(first.error);
    expect(first.info.executionProvider).toBe("wasm");
    expect(first.info.fromCache).toBe(false);
    const files = new Set(first.progress.filter((p) => p.status === "done").map((p) => p.file));
    for (const f of ["config.json", "tokenizer.json", "onnx/vision_encoder.onnx", "onnx/embed_tokens.onnx", "onnx/decoder_model_merged.onnx"]) expect(files).toContain(f);
    const dec = first.progress.filter((p) => p.file === "onnx/decoder_model_merged.onnx" && p.status === "progress").at(-1);
    expect(dec?.loaded).toBe(readFileSync(path.join(TINY_SMOLVLM, "onnx/decoder_model_merged.onnx")).byteLength);
    expect(await parity("wasm")).toBe("wasm");
    const second = await load({ device: "wasm" });
    if (!second.ok) throw new Error(second.error);
    expect(second.info.fromCache).toBe(true);
    expect(second.info.files.find((f) => f.file === "onnx/decoder_model_merged.onnx")?.fromCache).toBe(true);
  });

  it("lists and removes the model from this browser; the next load downloads again", async () => {
    const held = await call<{ bytes: number; files: unknown[] }>("cacheInfo", MODEL);
    expect(held.files.length).toBeGreaterThanOrEqual(7);
    expect(held.bytes).toBeGreaterThan(500_000);
    const left = await call<{ bytes: number }>("evict", MODEL);
    expect(left.bytes).toBe(0);
    const again = await load({ device: "wasm" });
    if (!again.ok) throw new Error(again.error);
    expect(again.info.fromCache).toBe(false);
  });

  it("cancel stops a long generation", async () => {
    const out = await load({ device: "wasm" });
    if (!out.ok) throw new Error(out.error);
    const r = await call<{ seen: number; error: string | null }>("cancelAfter", seq(g.cases[0]!), 2000, 3);
    expect(r.error).toBe("AbortError");
    expect(r.seen).toBeGreaterThanOrEqual(3);
    expect(r.seen).toBeLessThan(2000);
  });

  it("a corrupt file fails the load with its name", async () => {
    const out = await load({ model: CORRUPT, device: "wasm" });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatch(/decoder_model_merged/);
  });

  it("Qwen2-VL (WASM): Qwen's template, several images per prompt, reference tokens, log-probs and rank sums", async () => {
    // The golden's images are the same files as SmolVLM's: the same asset ids serve both.
    expect(await parity("wasm", QWEN, loadTinyGolden(TINY_QWEN2VL))).toBe("wasm");
  });

  it("WebGPU (SwiftShader): the same tokens, or a visible fallback to WASM", async () => {
    const ran = await parity("webgpu");
    expect(["webgpu", "wasm"]).toContain(ran);
  });
});
