/**
 * A model load's progress, told truthfully phase by phase: the bytes of everything downloaded
 * (the ONNX Runtime WebAssembly and the model package together), then compiling (the runtime's
 * WebAssembly and the model's sessions), then a warm-up run; and whether everything came from a
 * cache (no byte from the network). Pure: the worker feeds it, the UI shows its reports.
 */

export type LoadPhase = "download" | "compile" | "warmup";

export interface LoadProgressReport {
  phase: LoadPhase;
  /** The part whose bytes moved last ("runtime", "model"), or what the phase works on. */
  file: string;
  /** Bytes received so far, over every part. */
  loadedBytes: number;
  /** Bytes expected over every part known so far (a part of unknown size counts what it has). */
  totalBytes: number;
  /** Every part read so far came from a cache (Cache Storage or the HTTP cache), none from the network. */
  fromCache: boolean;
}

interface Part {
  loaded: number;
  total: number;
  /** Undefined until the part says where it comes from. */
  cached?: boolean;
}

export class LoadProgressTracker {
  private readonly parts = new Map<string, Part>();
  private phase: LoadPhase = "download";
  private last = "";

  constructor(private readonly emit: (r: LoadProgressReport) => void) {}

  private part(name: string): Part {
    let p = this.parts.get(name);
    if (!p) this.parts.set(name, (p = { loaded: 0, total: 0 }));
    return p;
  }

  /** Announce a part before its first byte: the load is not "from the cache" until it says where it comes from. */
  expect(name: string): void {
    this.part(name);
  }

  /** `loaded` bytes of part `name` so far; `total` when known (0 or absent: unknown). */
  bytes(name: string, loaded: number, total?: number): void {
    const p = this.part(name);
    p.loaded = loaded;
    if (total && total > 0) p.total = total;
    this.last = name;
    this.emit(this.report());
  }

  /**
   * Where (a file of) part `name` comes from. A part made of several files is from the cache
   * only while every one of them is.
   */
  source(name: string, fromCache: boolean): void {
    const before = this.report().fromCache;
    const p = this.part(name);
    p.cached = (p.cached ?? true) && fromCache;
    // Reported when it changes what the load says ("Downloading" -> "Reading from the cache").
    if (this.report().fromCache !== before) this.emit(this.report());
  }

  /** Move to a later phase (reported at once); `subject` names what it works on. */
  enter(phase: LoadPhase, subject = this.last): void {
    this.phase = phase;
    this.last = subject;
    this.emit(this.report());
  }

  report(): LoadProgressReport {
    let loadedBytes = 0;
    let totalBytes = 0;
    let fromCache = this.parts.size > 0;
    for (const p of this.parts.values()) {
      loadedBytes += p.loaded;
      totalBytes += Math.max(p.total, p.loaded);
      if (p.cached !== true) fromCache = false;
    }
    return { phase: this.phase, file: this.last, loadedBytes, totalBytes, fromCache };
  }
}

/** The warm-up's subject while WebGPU is timed against WASM (worker-core.ts, provider-speed.ts). */
export const SPEED_CHECK = "speed check";

const MB = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MB`;

/** The phases in order, with the words the UI shows for each step. */
export const LOAD_STEPS: readonly { phase: LoadPhase; label: string }[] = [
  { phase: "download", label: "Download" },
  { phase: "compile", label: "Compile" },
  { phase: "warmup", label: "Warm up" },
];

/**
 * What a load is doing, in words: `title` for the phase (saying "from the browser cache" only when
 * no byte came from the network), `bytes` as "3.1 MB / 23.8 MB" (runtime and model together).
 */
export function describeLoad(p: LoadProgressReport | undefined): { title: string; bytes: string } {
  if (!p) return { title: "Starting the model…", bytes: "" };
  const bytes = p.totalBytes > 0 ? `${MB(p.loadedBytes)} / ${MB(p.totalBytes)}` : "";
  switch (p.phase) {
    case "download":
      return {
        title: p.fromCache ? "Reading the runtime and the model from the browser cache…" : "Downloading the runtime and the model (once; later visits read the browser cache)…",
        bytes,
      };
    case "compile":
      return { title: `Compiling the runtime and the model${p.fromCache ? " (files from the browser cache)" : ""}…`, bytes };
    case "warmup":
      return { title: p.file === SPEED_CHECK ? "Timing WebGPU against WASM on this device (once)…" : "Warming up (one trial run)…", bytes };
  }
}
