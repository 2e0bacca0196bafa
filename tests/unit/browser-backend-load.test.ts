import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LoadProgressReport } from "@/lib/backends/browser/load-progress";
import type { WorkerRequest, WorkerResponse } from "@/lib/backends/browser/protocol";

/**
 * The page's one model load (lib/backends/browser/backend.ts) against a scripted Worker: a background
 * load and a run share it and its progress, a late caller still learns how it loaded, and another
 * preference waits for the load in flight (the worker loads one at a time).
 */
class ScriptedWorker {
  static all: ScriptedWorker[] = [];
  readonly loads: { id: string; pref: string }[] = [];
  private listener: ((ev: { data: unknown }) => void) | undefined;
  constructor() {
    ScriptedWorker.all.push(this);
  }
  addEventListener(type: string, l: (ev: { data: unknown }) => void) {
    if (type === "message") this.listener = l;
  }
  postMessage(m: WorkerRequest) {
    if (m.type === "load") this.loads.push({ id: m.id as string, pref: m.executionProvider ?? "auto" });
  }
  terminate() {}
  send(m: WorkerResponse) {
    this.listener?.({ data: m });
  }
  progress(id: string, p: Partial<LoadProgressReport>) {
    this.send({ type: "progress", id, phase: "download", file: "model", loadedBytes: 1, totalBytes: 2, fromCache: false, ...p });
  }
  loaded(id: string, executionProvider: "webgpu" | "wasm") {
    this.send({ type: "loaded", id, info: { modelId: "m", version: "1", executionProvider } });
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));
let backend: typeof import("@/lib/backends/browser/backend");

beforeEach(async () => {
  ScriptedWorker.all = [];
  vi.stubGlobal("Worker", ScriptedWorker);
  vi.resetModules();
  backend = await import("@/lib/backends/browser/backend");
});
afterEach(() => vi.unstubAllGlobals());

describe("the page's model load", () => {
  it("is shared by a background load and a run, which hears the latest progress at once and then the rest", async () => {
    const background: string[] = [];
    const run: string[] = [];
    const first = backend.loadBrowserModel("webgpu", (p) => background.push(p.phase));
    const w = ScriptedWorker.all[0]!;
    w.progress(w.loads[0]!.id, { phase: "download" });
    const second = backend.loadBrowserModel("webgpu", (p) => run.push(p.phase));
    expect(run).toEqual(["download"]); // the latest report, replayed
    w.progress(w.loads[0]!.id, { phase: "compile" });
    w.loaded(w.loads[0]!.id, "wasm");
    expect((await first).executionProvider).toBe("wasm");
    expect(await second).toEqual(await first);
    expect(w.loads).toHaveLength(1);
    expect(background).toEqual(["download", "compile"]);
    expect(run).toEqual(["download", "compile"]);
  });

  it("tells a caller that comes after the load how it was loaded (bytes, from the cache or not)", async () => {
    const first = backend.loadBrowserModel("wasm");
    const w = ScriptedWorker.all[0]!;
    w.progress(w.loads[0]!.id, { phase: "warmup", loadedBytes: 24, totalBytes: 24, fromCache: true });
    w.loaded(w.loads[0]!.id, "wasm");
    await first;
    const late: LoadProgressReport[] = [];
    await backend.loadBrowserModel("wasm", (p) => late.push(p));
    expect(late).toEqual([{ phase: "warmup", file: "model", loadedBytes: 24, totalBytes: 24, fromCache: true }]);
    expect(w.loads).toHaveLength(1);
  });

  it("asked for WASM while a WebGPU load is in flight: waits for it, and reuses it when it fell back to WASM", async () => {
    const gpu = backend.loadBrowserModel("webgpu");
    const wasm = backend.loadBrowserModel("wasm");
    const w = ScriptedWorker.all[0]!;
    await tick();
    expect(w.loads).toHaveLength(1); // no second load sent while one is in flight
    w.loaded(w.loads[0]!.id, "wasm");
    await gpu;
    expect((await wasm).executionProvider).toBe("wasm");
    expect(w.loads).toHaveLength(1);
  });

  it("asked for WASM after a load that runs on WebGPU: loads again, once the first has ended", async () => {
    const gpu = backend.loadBrowserModel("webgpu");
    const wasm = backend.loadBrowserModel("wasm");
    const w = ScriptedWorker.all[0]!;
    w.loaded(w.loads[0]!.id, "webgpu");
    await gpu;
    await tick();
    expect(w.loads.map((l) => l.pref)).toEqual(["webgpu", "wasm"]);
    w.loaded(w.loads[1]!.id, "wasm");
    expect((await wasm).executionProvider).toBe("wasm");
  });
});
