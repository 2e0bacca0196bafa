import "server-only";
import path from "node:path";
import { Worker } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import type { OrtNamespace, OrtSession, OrtSessionOptions, OrtTensor } from "@/lib/runtime/ort";

/**
 * onnxruntime-node's `session.run` is a setImmediate around a blocking native call: with one intra-op
 * thread the model computes on the event loop's thread, and the server answers nothing meanwhile (a
 * 2,048-token prefill held it 0.75 s, a 4,000-token one 3.1 s; on busy cores several times that). Here
 * each session also lives in a worker thread of its own, and the calls that take long run there: `run`
 * posts the feeds (copied; the engine keeps its tensors), the worker runs the session, and the outputs
 * come back moved, as tensors of this thread. Small calls (a decode step: one token per row, a few
 * milliseconds) stay on this thread, where a round trip with the KV cache copied would double their
 * cost. Both sessions are the same graph with the same options, so they compute the same numbers.
 * The engine is unchanged (an OrtNamespace like any other).
 */

/** Worker source (CommonJS, evaluated): one InferenceSession, messages in order. */
const WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { createRequire } = require("node:module");
// Resolved here, where no bundler rewrites require: from the caller's module, else the working directory.
let ort;
for (const from of workerData.from) {
  try {
    ort = createRequire(from)("onnxruntime-node");
    break;
  } catch {}
}
if (!ort) throw new Error("onnxruntime-node cannot be found from " + workerData.from.join(" or "));
let session;
const plain = (t) => ({ type: t.type, dims: t.dims, data: t.data });
parentPort.on("message", async (m) => {
  try {
    if (m.op === "create") {
      session = await ort.InferenceSession.create(m.model, m.options);
      parentPort.postMessage({ id: m.id, inputNames: session.inputNames, outputNames: session.outputNames });
    } else if (m.op === "run") {
      const feeds = {};
      for (const k of Object.keys(m.feeds)) feeds[k] = new ort.Tensor(m.feeds[k].type, m.feeds[k].data, m.feeds[k].dims);
      const r = await session.run(feeds, m.fetches);
      const outputs = {};
      const transfer = [];
      for (const k of Object.keys(r)) {
        outputs[k] = plain(r[k]);
        const buf = r[k].data && r[k].data.buffer;
        if (buf instanceof ArrayBuffer && !transfer.includes(buf)) transfer.push(buf);
      }
      try {
        // Moved, not copied (the outputs are this call's own).
        parentPort.postMessage({ id: m.id, outputs }, transfer);
      } catch {
        parentPort.postMessage({ id: m.id, outputs });
      }
    } else if (m.op === "release") {
      if (session) await session.release();
      session = undefined;
      parentPort.postMessage({ id: m.id });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: e && e.message ? String(e.message) : String(e) });
  }
});
`;

interface Reply {
  id: number;
  error?: string;
  inputNames?: string[];
  outputNames?: string[];
  outputs?: Record<string, { type: string; dims: number[]; data: Float32Array | BigInt64Array }>;
}

type TensorType = "float32" | "int64";

/** Where the worker looks for onnxruntime-node: this module's location, then the working directory. */
function resolveFrom(): string[] {
  const from: string[] = [];
  try {
    if (typeof import.meta.url === "string" && import.meta.url.startsWith("file:")) from.push(import.meta.url);
  } catch {
    // not a file module
  }
  from.push(path.join(process.cwd(), "package.json"));
  return from;
}

/** A session in its own worker thread (see above). */
class WorkerSession implements OrtSession {
  inputNames: readonly string[] = [];
  outputNames: readonly string[] = [];
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private dead: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) worker.unref();
      if (r.error !== undefined) p.reject(new Error(r.error));
      else p.resolve(r);
    });
    const fail = (e: Error) => {
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`The ONNX Runtime worker thread exited (code ${code})`)));
    worker.unref();
  }

  static async create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> {
    // Not require.resolve here: bundlers (Next's server build) turn it into a module id.
    const s = new WorkerSession(new Worker(WORKER_SOURCE, { eval: true, workerData: { from: resolveFrom() } }));
    try {
      const r = await s.call({ op: "create", model, options: options ?? {} });
      s.inputNames = r.inputNames ?? [];
      s.outputNames = r.outputNames ?? [];
    } catch (e) {
      await s.worker.terminate();
      throw e;
    }
    return s;
  }

  async run(feeds: Record<string, OrtTensor>, fetches: readonly string[]): Promise<Record<string, OrtTensor>> {
    const plain: Record<string, { type: string; dims: readonly number[]; data: unknown }> = {};
    for (const [k, t] of Object.entries(feeds)) plain[k] = { type: t.type, dims: t.dims, data: t.data };
    const r = await this.call({ op: "run", feeds: plain, fetches });
    const out: Record<string, OrtTensor> = {};
    for (const [k, t] of Object.entries(r.outputs ?? {})) {
      out[k] = new ort.Tensor(t.type as TensorType, t.data as never, t.dims) as unknown as OrtTensor;
    }
    return out;
  }

  async release(): Promise<void> {
    if (!this.dead) await this.call({ op: "release" }).catch(() => undefined);
    await this.worker.terminate();
  }

  private call(message: object): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.seq;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Held while a call is out, so a script awaiting it does not exit; released when idle.
      this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }
}

/** Token positions (`input_ids` elements) or images (`pixels` batch) from which a call runs in the worker. */
export const OFF_THREAD_TOKENS = 32;
export const OFF_THREAD_IMAGES = 4;

/** Whether a call is long enough to run in the worker thread. */
export function runsOffThread(feeds: Record<string, OrtTensor>): boolean {
  const ids = feeds.input_ids;
  if (ids) return ids.dims.reduce((a, b) => a * b, 1) >= OFF_THREAD_TOKENS;
  const pixels = feeds.pixels;
  return pixels !== undefined && (pixels.dims[0] ?? 0) >= OFF_THREAD_IMAGES;
}

/** A session on this thread for small calls and the same session in a worker thread for long ones. */
class SplitSession implements OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  private constructor(
    private readonly local: OrtSession,
    private readonly remote: OrtSession,
  ) {
    this.inputNames = local.inputNames;
    this.outputNames = local.outputNames;
  }

  static async create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> {
    const local = (await ort.InferenceSession.create(model, options as ort.InferenceSession.SessionOptions)) as unknown as OrtSession;
    let remote: OrtSession;
    try {
      remote = await WorkerSession.create(model, options);
    } catch (e) {
      await local.release?.();
      throw e;
    }
    return new SplitSession(local, remote);
  }

  run(feeds: Record<string, OrtTensor>, fetches: readonly string[]): Promise<Record<string, OrtTensor>> {
    return (runsOffThread(feeds) ? this.remote : this.local).run(feeds, fetches);
  }

  async release(): Promise<void> {
    await Promise.all([this.local.release?.(), this.remote.release?.()]);
  }
}

/** onnxruntime-node whose long calls run in worker threads: the event loop stays free while the model works. */
export const workerOrt: OrtNamespace = {
  Tensor: ort.Tensor as unknown as OrtNamespace["Tensor"],
  InferenceSession: { create: (model, options) => SplitSession.create(model, options) },
};
