/// <reference lib="webworker" />
/**
 * The transformers.js worker's entry: vision-language models from the Hugging Face hub (or a folder in the same
 * layout) on WebGPU or WASM. Its logic lives in lib/backends/transformersjs (worker-core.ts; messages:
 * protocol.ts). Created only when a transformers.js engine is used (lib/backends/transformersjs/client.ts), so
 * transformers.js never loads on pages that do not run one.
 */
import { createTfjsWorkerCore } from "@/lib/backends/transformersjs/worker-core";
import type { TfjsResponse } from "@/lib/backends/transformersjs/protocol";

const scope = self as unknown as DedicatedWorkerGlobalScope;
const core = createTfjsWorkerCore((m: TfjsResponse) => scope.postMessage(m));
scope.onmessage = (ev: MessageEvent<unknown>) => void core.handle(ev.data);
