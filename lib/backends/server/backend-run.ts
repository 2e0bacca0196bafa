import "server-only";
import type { Backend, BackendRunResult, GenerateParams, TokenEvent } from "@/lib/backends/contract";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { primed, toStream } from "@/lib/runtime/stream";

export interface StartedBackendRun {
  /** Every token event, the first one included. */
  events: AsyncIterable<TokenEvent>;
  result: Promise<BackendRunResult>;
}

/**
 * Start a run on any backend and resolve once its first token exists (or the run ended), so that
 * errors before any output — a bad image, an unknown model, a full queue, an engine answering 401 —
 * are thrown here and still become a 4xx response instead of an error frame inside a 200 stream.
 */
export async function startBackendRun(backend: Backend, prompt: PromptSequence, params: GenerateParams, signal: AbortSignal | undefined): Promise<StartedBackendRun> {
  const { events, result } = toStream<TokenEvent, BackendRunResult>((emit) => backend.generate(prompt, params, { ...(signal ? { signal } : {}), onToken: emit }));
  return { events: await primed(events), result };
}
