import "server-only";
import { AppError, isAppError } from "@/lib/errors";
import type { CandidateScore, GenerateResult, TokenEvent } from "@/lib/runtime/engine";
import type { RunRequest, ScoreRequest } from "@/lib/runtime/requests";
import { asAppError, getServerModel, type ServerEngineOptions, type ServerModel } from "./engine";
import { checkCandidates, checkMaxTokens, checkPrompt, DEFAULT_LIMITS, type ServerLimits } from "./limits";

export interface ServiceOptions extends ServerEngineOptions {
  limits?: ServerLimits;
}

export interface StartedRun {
  model: ServerModel;
  /** Every token event, the first one included. */
  events: AsyncIterable<TokenEvent>;
  result: Promise<GenerateResult>;
}

/**
 * Check limits, load the model and start generating; resolves once the first token exists
 * (or the run ended), so errors before any output (bad image, unknown model, full queue)
 * are thrown here and can still become a 4xx response.
 */
export async function startRun(req: RunRequest, signal: AbortSignal | undefined, opts: ServiceOptions = {}): Promise<StartedRun> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  checkPrompt(req.prompt, limits);
  checkMaxTokens(req.maxTokens, limits);
  const model = await getServerModel(req.model, opts);
  const { prompt, model: _m, stream: _s, engine: _e, ...params } = req;
  const { events, result } = model.engine.stream(prompt, { ...params, signal });
  const it = events[Symbol.asyncIterator]();
  let first: IteratorResult<TokenEvent>;
  try {
    first = await it.next();
  } catch (e) {
    throw asAppError(e);
  }
  const all: AsyncIterable<TokenEvent> = {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        yield n.value;
      }
    },
  };
  return { model, events: all, result };
}

export interface ScoreResponse {
  model: string;
  executionProvider: string;
  scores: CandidateScore[];
  /** Candidate indices, best (highest summed log-likelihood) first. */
  ranking: number[];
}

export async function scoreCandidates(req: ScoreRequest, signal: AbortSignal | undefined, opts: ServiceOptions = {}): Promise<ScoreResponse> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  checkPrompt(req.prompt, limits);
  checkCandidates(req.candidates, limits);
  const model = await getServerModel(req.model, opts);
  try {
    const scores = await model.engine.score(req.prompt, req.candidates, { signal, appendEndOfChunk: req.appendEndOfChunk });
    const ranking = scores.map((_, i) => i).sort((a, b) => (scores[b]?.sum ?? 0) - (scores[a]?.sum ?? 0));
    return { model: model.id, executionProvider: model.executionProvider, scores, ranking };
  } catch (e) {
    throw asAppError(e);
  }
}

/** A JSON-safe error body for a failure after the response started (SSE `error` event). */
export function streamErrorBody(e: unknown): { error: { code: string; message: string } } {
  const err = asAppError(e);
  if (isAppError(err)) return err.toJSON();
  if (err instanceof Error && err.name === "AbortError") return { error: { code: "cancelled", message: "The run was cancelled" } };
  console.error(err);
  return new AppError("internal", "The run failed on the server").toJSON();
}
