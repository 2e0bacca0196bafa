/**
 * The same engine on onnxruntime-web's WASM execution provider (run here in Node, single
 * thread), against the golden vectors: the browser's kernels and the shared engine code.
 * (Headless-Chromium runs of the WASM and WebGPU providers belong to the browser backend.)
 */
import * as ortWeb from "onnxruntime-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeWithSharp } from "@/lib/backends/server/sharp-decoder";
import { fsFetchFile } from "@/lib/backends/server/fs-package";
import { FlamingoEngine, type OrtNamespace } from "@/lib/runtime";
import { loadPackage } from "@/lib/runtime/manifest";
import { checkGoldenParity, loadGolden, PKG } from "./runtime-golden";

let engine: FlamingoEngine;
let g: ReturnType<typeof loadGolden>;

beforeAll(async () => {
  g = loadGolden();
  ortWeb.env.wasm.numThreads = 1;
  const pkg = await loadPackage({ key: `web:${PKG}`, fetchFile: fsFetchFile(PKG) });
  engine = await FlamingoEngine.create({
    ort: ortWeb satisfies OrtNamespace,
    pkg,
    decodeImage: decodeWithSharp,
    imageSource: g.imageSource,
    sessionOptions: { executionProviders: ["wasm"] },
    executionProvider: "wasm",
  });
}, 120_000);

afterAll(async () => {
  await engine?.release();
});

describe("golden parity (onnxruntime-web, WASM)", () => {
  it("reproduces ids exactly, visual tokens and logits within tolerance, greedy continuations exactly", async () => {
    const d = await checkGoldenParity(engine, g);
    console.log("onnxruntime-web wasm parity max abs diffs:", JSON.stringify(d));
    expect(engine.executionProvider).toBe("wasm");
  });

  it("scores with prefix reuse equal to scoring without caches", async () => {
    const p = g.golden.prompts[0]!;
    const seq = g.toSequence(p.text, p.images);
    const a = await engine.score(seq, ["dax", "blicket zup"]);
    engine.setCaching(false);
    const b = await engine.score(seq, ["dax", "blicket zup"]);
    engine.setCaching(true);
    a.forEach((s, i) => expect(Math.abs(s.sum - b[i]!.sum)).toBeLessThan(1e-4));
  });
});
