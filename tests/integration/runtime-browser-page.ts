/**
 * Page script for runtime-browser.test.ts (bundled with esbuild): the browser backend exactly
 * as the app uses it — BrowserEngineClient talking to workers/inference.worker.ts — plus the
 * canvas decoder + shared preprocessing for the decoder-tolerance check.
 */
import { decodeWithCanvas } from "@/lib/backends/browser/browser-env";
import { BrowserEngineClient } from "@/lib/backends/browser/client";
import { describeLoad } from "@/lib/backends/browser/load-progress";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { preprocessImage, type PreprocessSpec } from "@/lib/runtime/preprocess";

async function parity(ep: "wasm" | "webgpu", prompts: PromptSequence[], assetIds: string[], candidates: string[]) {
  const client = new BrowserEngineClient(new Worker("/worker.js", { type: "module" }));
  try {
    const info = await client.load("/pkg", { executionProvider: ep, assetUrl: "/assets/", allowSoftwareAdapter: true, skipSpeedCheck: true });
    const visual = assetIds.length > 0 ? (await client.encodeImages(assetIds)).map((t) => Array.from(t)) : [];
    const logits: number[][] = [];
    const greedy: number[][] = [];
    for (const p of prompts) {
      logits.push(Array.from(await client.nextTokenLogits(p)));
      greedy.push((await client.generate(p, { maxTokens: 12 })).tokenIds);
    }
    // Scoring: the prompt's prefix cache tiled to the candidate rows, one batched LM call.
    const scores = (await client.score(prompts[0] as PromptSequence, candidates)).map((s) => s.sum);
    return { info, visual, logits, greedy, scores };
  } finally {
    client.dispose();
  }
}

async function preprocess(urls: string[], spec: PreprocessSpec) {
  const out: number[][] = [];
  for (const url of urls) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    out.push(Array.from(preprocessImage(await decodeWithCanvas(bytes), spec)));
  }
  return out;
}

/**
 * Loads on WebGPU (the SwiftShader adapter let through, as a slow hardware one would be) with the
 * speed check on, in a fresh worker each time: the provider chosen, the reason, the phases seen.
 */
async function speedCheck() {
  const client = new BrowserEngineClient(new Worker("/worker.js", { type: "module" }));
  const titles = new Set<string>();
  try {
    const info = await client.load("/pkg", { executionProvider: "webgpu", assetUrl: "/assets/", allowSoftwareAdapter: true, onProgress: (p) => void titles.add(describeLoad(p).title) });
    const answer = await client.generate({ parts: [{ type: "text", text: "Output:" }] } as PromptSequence, { maxTokens: 2, minTokens: 2 });
    return { info, titles: [...titles], tokens: answer.tokenIds.length };
  } finally {
    client.dispose();
  }
}

(window as unknown as { flamingo: unknown }).flamingo = { parity, preprocess, speedCheck };
