/// <reference lib="webworker" />
/**
 * The inference worker's entry: the shared engine on onnxruntime-web. Its logic lives in
 * lib/backends/browser (worker-core.ts; messages: protocol.ts). Create it with
 * `new Worker(new URL("../../../workers/inference.worker.ts", import.meta.url), { type: "module" })`
 * (lib/backends/browser/client.ts does).
 */
import { browserEnv } from "@/lib/backends/browser/browser-env";
import type { WorkerResponse } from "@/lib/backends/browser/protocol";
import { createWorkerCore } from "@/lib/backends/browser/worker-core";

const scope = self as unknown as DedicatedWorkerGlobalScope;
const core = createWorkerCore(browserEnv, (m: WorkerResponse) => scope.postMessage(m));
scope.onmessage = (ev: MessageEvent<unknown>) => void core.handle(ev.data);
