/**
 * The browser backend's worker core and client, wired through a postMessage double (with
 * structured cloning), on onnxruntime-web WASM in Node and the real package: provider choice
 * and fallback, progress, streamed generation, scoring, cancellation, and errors that surface
 * in the UI layer as WorkerError.
 */
import * as ortWeb from "onnxruntime-web";
import { beforeAll, describe, expect, it } from "vitest";
import { BrowserEngineClient, WorkerError, type WorkerLike } from "@/lib/backends/browser/client";
import { createWorkerCore, type WorkerEnv } from "@/lib/backends/browser/worker-core";
import { decodeWithSharp } from "@/lib/backends/server/sharp-decoder";
import { fsFetchFile } from "@/lib/backends/server/fs-package";
import type { OrtNamespace } from "@/lib/runtime/ort";
import type { WorkerResponse } from "@/lib/backends/browser/protocol";
import { loadGolden, PKG } from "./runtime-golden";

let g: ReturnType<typeof loadGolden>;
beforeAll(() => {
  g = loadGolden();
  ortWeb.env.wasm.numThreads = 1;
});

function nodeEnv(over: Partial<WorkerEnv> = {}): WorkerEnv {
  return {
    ort: async (p) => {
      if (p === "webgpu") throw new Error("no WebGPU in this test");
      return ortWeb satisfies OrtNamespace;
    },
    webgpuAvailable: async () => ({ ok: false, reason: "No WebGPU adapter is available" }),
    fetchFile: (url) => fsFetchFile(url),
    fetchImage: (_base, id) => g.imageSource(id),
    decodeImage: decodeWithSharp,
    ...over,
  };
}

/** A Worker double: messages are structured-cloned both ways, delivered asynchronously. */
function connect(env: WorkerEnv) {
  const listeners: { message: ((ev: { data: unknown }) => void)[]; error: ((ev: { message?: string }) => void)[] } = { message: [], error: [] };
  const core = createWorkerCore(env, (m: WorkerResponse) => {
    const data = structuredClone(m);
    setTimeout(() => listeners.message.forEach((l) => l({ data })), 0);
  });
  const worker: WorkerLike & { crash(msg: string): void } = {
    postMessage: (m) => void core.handle(structuredClone(m)),
    addEventListener: ((type: "message" | "error", l: never) => listeners[type].push(l)) as WorkerLike["addEventListener"],
    crash: (message) => listeners.error.forEach((l) => l({ message })),
  };
  return { client: new BrowserEngineClient(worker), worker };
}

const fewShot = () => {
  const p = g.golden.prompts[0]!;
  return { seq: g.toSequence(p.text, p.images), golden: p };
};

describe("browser backend (worker core + client)", () => {
  it("loads with progress, reports the provider that runs and why WebGPU was not used", async () => {
    const { client } = connect(nodeEnv());
    const progress: { phase: string; loadedBytes: number; totalBytes: number; fromCache: boolean }[] = [];
    const info = await client.load(PKG, { onProgress: (p) => progress.push(p) });
    expect(info.executionProvider).toBe("wasm");
    expect(info.fallbackReason).toMatch(/No WebGPU adapter/);
    expect(progress.at(-1)!.loadedBytes).toBe(progress.at(-1)!.totalBytes);
    expect(progress.at(-1)!.totalBytes).toBeGreaterThan(0);
    // Every phase, in order (download, then the sessions, then a warm-up run); nothing said it came from a cache.
    expect(progress.map((p) => p.phase).filter((p, i, all) => p !== all[i - 1])).toEqual(["download", "compile", "warmup"]);
    expect(progress.some((p) => p.fromCache)).toBe(false);
  });

  it("falls back to WASM when the WebGPU session fails, and says so", async () => {
    const { client } = connect(nodeEnv({ webgpuAvailable: async () => ({ ok: true }) }));
    const info = await client.load(PKG);
    expect(info.executionProvider).toBe("wasm");
    expect(info.fallbackReason).toMatch(/WebGPU session failed: no WebGPU in this test/);
  });

  it("switches to WASM on WebGPU device loss and tells the UI", async () => {
    let lose: ((r: string) => void) | undefined;
    const env = nodeEnv({
      webgpuAvailable: async () => ({ ok: true }),
      // "webgpu" sessions served by the wasm kernels here
      ort: async () => ({ Tensor: ortWeb.Tensor, InferenceSession: { create: (m) => ortWeb.InferenceSession.create(m, { executionProviders: ["wasm"] }) } }) satisfies OrtNamespace,
      onDeviceLost: (_ort, lost) => (lose = lost),
    });
    const { client } = connect(env);
    const info = await client.load(PKG);
    expect(info.executionProvider).toBe("webgpu");
    const changed = new Promise((r) => client.onProviderChange(r));
    lose!("test");
    expect(await changed).toMatchObject({ executionProvider: "wasm", fallbackReason: "WebGPU device lost: test" });
    const res = await client.generate(fewShot().seq, { maxTokens: 3, minTokens: 3 });
    expect(res.executionProvider).toBe("wasm");
  });

  it("streams tokens and matches the golden greedy continuation; scores candidates", async () => {
    const { client } = connect(nodeEnv());
    await client.load(PKG, { executionProvider: "wasm" });
    const { seq, golden } = fewShot();
    const tokens: number[] = [];
    const res = await client.generate(seq, { maxTokens: 12 }, { onToken: (e) => (e.stop ? undefined : tokens.push(e.tokenId)) });
    expect(res.tokenIds).toEqual(golden.greedy_ids.slice(0, res.tokenIds.length));
    expect(tokens).toEqual(res.tokenIds);
    const scores = await client.score(seq, ["dax", "wug"]);
    expect(scores).toHaveLength(2);
    expect(scores[0]!.sum).toBeLessThan(0);
  });

  it("cancels a running generation through an AbortSignal", async () => {
    const { client } = connect(nodeEnv());
    await client.load(PKG, { executionProvider: "wasm" });
    const ac = new AbortController();
    let n = 0;
    const p = client.generate(fewShot().seq, { maxTokens: 50, minTokens: 50 }, { signal: ac.signal, onToken: () => ++n === 2 && ac.abort() });
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    expect(n).toBeLessThan(50);
  });

  it("surfaces worker errors as WorkerError: corrupt image, not loaded, bad message, crash, bad package", async () => {
    const { client, worker } = connect(nodeEnv());
    await expect(client.generate(fewShot().seq)).rejects.toMatchObject({ name: "NotLoaded" });
    await client.load(PKG, { executionProvider: "wasm" });
    const good = g.images.values().next().value as Uint8Array;
    const bad = g.addImage(good.slice(0, 40));
    const err = await client.generate({ parts: [{ type: "image", assetId: bad }, { type: "text", text: "Output:" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(err).toMatchObject({ code: "unprocessable" });
    expect((err as Error).message).toMatch(/could not be decoded/);
    // malformed request
    const replies: WorkerResponse[] = [];
    const core = createWorkerCore(nodeEnv(), (m) => replies.push(m));
    await core.handle({ type: "generate", id: "x1", prompt: { parts: [] } });
    expect(replies[0]).toMatchObject({ type: "error", id: "x1", error: { name: "ProtocolError" } });
    // a crashed worker rejects what was pending
    const pending = client.generate(fewShot().seq, { maxTokens: 50, minTokens: 50 });
    worker.crash("boom");
    await expect(pending).rejects.toMatchObject({ name: "WorkerCrashed", message: "boom" });
    // integrity failure evicts cached files
    let evicted = "";
    const { client: c2 } = connect(
      nodeEnv({
        fetchFile: (url) => {
          const real = fsFetchFile(url);
          return async (name, on) => (name === "lm.onnx" ? new Uint8Array(((await real(name, on)) ?? new Uint8Array()).length) : real(name, on));
        },
        evictPackage: async (url) => void (evicted = url),
      }),
    );
    await expect(c2.load(PKG)).rejects.toThrow(/lm\.onnx: SHA-256/);
    expect(evicted).toBe(PKG);
  });
});
