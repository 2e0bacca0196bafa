import "server-only";
import { AppError, isAppError } from "@/lib/errors";
import type { CandidateScore } from "@/lib/runtime/engine";
import type { ScoreRequest } from "@/lib/runtime/requests";
import { asAppError, getServerModel, type ServerEngineOptions } from "./engine";
import { checkCandidates, checkPrompt, DEFAULT_LIMITS, type ServerLimits } from "./limits";

export interface ServiceOptions extends ServerEngineOptions {
  limits?: ServerLimits;
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
  // Token limits before queueing: the prompt with its longest candidate must fit the model.
  model.engine.checkPrompt(req.prompt, model.engine.candidateReserve(req.candidates, req.appendEndOfChunk ?? true));
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
