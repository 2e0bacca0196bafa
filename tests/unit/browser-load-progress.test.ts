import { describe, expect, it } from "vitest";
import { describeLoad, LoadProgressTracker, type LoadProgressReport } from "@/lib/backends/browser/load-progress";
import { RUNTIME_BUILD, RUNTIME_FILES, runtimeBase, wasmThreads } from "@/lib/backends/browser/runtime-files";

const track = () => {
  const seen: LoadProgressReport[] = [];
  return { t: new LoadProgressTracker((r) => seen.push(r)), seen };
};

describe("load progress over runtime + model", () => {
  it("adds the bytes of every part, a part of unknown size counting what it has", () => {
    const { t, seen } = track();
    t.bytes("runtime-wasm", 0, 14_000_000);
    t.bytes("model", 1_000_000, 9_800_000);
    expect(seen.at(-1)).toMatchObject({ phase: "download", file: "model", loadedBytes: 1_000_000, totalBytes: 23_800_000 });
    t.bytes("runtime-wasm", 14_000_000);
    t.bytes("extra", 500); // no size known yet
    expect(seen.at(-1)).toMatchObject({ loadedBytes: 15_000_500, totalBytes: 23_800_500 });
  });

  it("is from the cache only when every part said so, and every file of a part", () => {
    const { t } = track();
    t.bytes("runtime-wasm", 10, 10);
    t.bytes("model", 5, 5);
    expect(t.report().fromCache).toBe(false); // nobody said where the bytes came from
    t.source("runtime-wasm", true);
    expect(t.report().fromCache).toBe(false); // the model has not said yet
    t.source("model", true);
    expect(t.report().fromCache).toBe(true);
    t.source("model", false); // one model file came from the network
    expect(t.report().fromCache).toBe(false);
    t.source("model", true);
    expect(t.report().fromCache).toBe(false);
  });

  it("waits for every announced part before saying 'from the cache', and reports when that changes", () => {
    const { t, seen } = track();
    t.expect("model");
    t.expect("runtime-wasm");
    t.source("runtime-wasm", true);
    expect(t.report().fromCache).toBe(false); // the model has not said where it comes from
    expect(seen).toEqual([]); // nothing changed
    t.source("model", true);
    expect(seen.at(-1)?.fromCache).toBe(true);
  });

  it("reports each phase as it is entered, keeping the byte counts", () => {
    const { t, seen } = track();
    expect(t.report().fromCache).toBe(false); // nothing yet is not "from the cache"
    t.bytes("model", 5, 5);
    t.enter("compile", "wasm");
    t.enter("warmup");
    expect(seen.map((r) => r.phase)).toEqual(["download", "compile", "warmup"]);
    expect(seen.at(-1)).toMatchObject({ file: "wasm", loadedBytes: 5, totalBytes: 5 });
  });

  it("says what each phase does, and 'from the browser cache' only when it is", () => {
    const base = { file: "model", loadedBytes: 3 * 1024 ** 2, totalBytes: 23.5 * 1024 ** 2 };
    expect(describeLoad(undefined)).toEqual({ title: "Starting the model…", bytes: "" });
    expect(describeLoad({ ...base, phase: "download", fromCache: false })).toEqual({
      title: "Downloading the runtime and the model (once; later visits read the browser cache)…",
      bytes: "3.0 MB / 23.5 MB",
    });
    expect(describeLoad({ ...base, phase: "download", fromCache: true }).title).toBe("Reading the runtime and the model from the browser cache…");
    expect(describeLoad({ ...base, phase: "compile", fromCache: false }).title).toBe("Compiling the runtime and the model…");
    expect(describeLoad({ ...base, phase: "compile", fromCache: true }).title).toBe("Compiling the runtime and the model (files from the browser cache)…");
    expect(describeLoad({ ...base, phase: "warmup", fromCache: false }).title).toBe("Warming up (one trial run)…");
    expect(describeLoad({ ...base, totalBytes: 0, phase: "download", fromCache: false }).bytes).toBe("");
  });
});

describe("the self-hosted ONNX Runtime", () => {
  it("serves one build per provider, never the jsep or jspi builds", () => {
    expect(RUNTIME_BUILD).toEqual({ wasm: "ort-wasm-simd-threaded", webgpu: "ort-wasm-simd-threaded.asyncify" });
    expect([...RUNTIME_FILES].sort()).toEqual(["ort-wasm-simd-threaded.asyncify.mjs", "ort-wasm-simd-threaded.asyncify.wasm", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"]);
    expect(RUNTIME_FILES.some((f) => f.includes("jsep") || f.includes("jspi"))).toBe(false);
    expect(runtimeBase("1.30.0")).toBe("/ort/1.30.0/");
  });

  it("uses threads only when cross-origin isolated, leaving a core free, at most 4", () => {
    expect(wasmThreads(false, 16)).toBe(1);
    expect(wasmThreads(true, 1)).toBe(1);
    expect(wasmThreads(true, 2)).toBe(1);
    expect(wasmThreads(true, 4)).toBe(3);
    expect(wasmThreads(true, 16)).toBe(4);
    expect(wasmThreads(true, undefined)).toBe(1);
  });
});
