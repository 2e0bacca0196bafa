/**
 * Page script for transformersjs-browser.test.ts (bundled with esbuild): the transformers.js worker exactly as
 * the app uses it — TfjsClient talking to workers/transformersjs.worker.ts — driven from the test.
 */
import { TfjsClient } from "@/lib/backends/transformersjs/client";
import type { TfjsLoadRequest, TfjsProgress } from "@/lib/backends/transformersjs/protocol";
import type { PromptSequence } from "@/lib/prompt/sequence";

let client: TfjsClient | undefined;
const progress: TfjsProgress[] = [];

const api = {
  /** A fresh worker (a second load in a new worker must come from the browser's cache). */
  async load(req: TfjsLoadRequest) {
    client?.dispose();
    client = new TfjsClient(new Worker("/worker.js", { type: "module" }));
    progress.length = 0;
    try {
      return { ok: true as const, info: await client.load(req, { onProgress: (p) => progress.push(p) }), progress: [...progress] };
    } catch (e) {
      return { ok: false as const, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), progress: [...progress] };
    }
  },
  render: (prompt: PromptSequence) => client!.render(prompt),
  async generate(prompt: PromptSequence, maxTokens: number) {
    const events: { tokenId: number; logprob?: number; text: string }[] = [];
    const r = await client!.generate(prompt, { maxTokens }, { onToken: (e) => events.push({ tokenId: e.tokenId, text: e.text, ...(e.logprob !== undefined ? { logprob: e.logprob } : {}) }) });
    return { result: r, events };
  },
  score: (prompt: PromptSequence, candidates: string[]) => client!.score(prompt, candidates),
  /** Generate up to `maxTokens`, cancelling once `after` tokens have arrived. */
  async cancelAfter(prompt: PromptSequence, maxTokens: number, after: number) {
    const ac = new AbortController();
    let seen = 0;
    try {
      await client!.generate(prompt, { maxTokens }, { signal: ac.signal, onToken: () => ++seen === after && ac.abort() });
      return { seen, error: null };
    } catch (e) {
      return { seen, error: e instanceof Error ? e.name : String(e) };
    }
  },
  size: (model: string) => (client ??= new TfjsClient(new Worker("/worker.js", { type: "module" }))).size(model, "fp32"),
  cacheInfo: (model: string) => client!.cacheInfo(model),
  evict: (model: string) => client!.evict(model),
};

(window as unknown as { tfjs: typeof api }).tfjs = api;
