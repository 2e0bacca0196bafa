import "server-only";
import type { Backend, BackendCapabilities, BackendRunResult, CandidateScore, Exchange, GenerateParams, RankMethod, RunHooks, ScoreCallOptions, ScoreOutcome, Usage } from "@/lib/backends/contract";
import { rankingOf, RANK_METHODS } from "@/lib/backends/contract";
import type { RemoteEngineConfig } from "@/lib/engines/types";
import { AppError } from "@/lib/errors";
import { imagesOf, type PromptSequence } from "@/lib/prompt/sequence";
import type { FinishReason } from "@/lib/runtime/engine";
import { isUpstreamError, UpstreamError } from "./errors";
import { EngineHttp, type JsonAnswer } from "./http";
import { DataUrlCache, defaultImageSource, imageUrlResolver, sharedImageCache, type RemoteImageSource } from "./images";
import { asLogProb, candidateFromPromptLogprobs, generateMatchMaxTokens, matchFirstTokens, matchGenerated, type TopToken } from "./logprobs";
import { toChatMessages, type ChatMessage } from "./messages";
import { retryable } from "./retry";

export interface RemoteBackendOptions {
  /** Image bytes by asset id (default: the server's ephemeral images, then the asset store). */
  imageSource?: RemoteImageSource;
  /** The fetch to use (tests). */
  fetch?: typeof fetch;
}

/** A remote OpenAI-compatible engine as a Backend, plus the retry policy its errors follow. */
export interface RemoteBackend extends Backend {
  readonly kind: "openai";
  /** Whether another try of a failed call may succeed (retry.ts: 429, 502-504, timeouts, resets). */
  retryable(error: unknown): boolean;
}

/** The ranking methods a remote engine may offer, best first (echo needs /completions: text only, no images). */
const CHAIN: RankMethod[] = ["prompt_logprobs", "first_token_logprobs", "generate_match"];
const FIRST_TOKEN_TOP = 20;
/** Most requests an outcome's exchange lists (a score sends one per candidate). */
const MAX_EXCHANGES = 32;

/** A 400-class answer that means "this engine does not do that" rather than "this request is wrong". */
const UNSUPPORTED = /prompt_logprobs|continue_final_message|add_generation_prompt|top_logprobs|top_n_tokens|logprobs|unrecogni[sz]ed|unknown (field|param|argument)|extra (inputs?|fields?)|not (supported|permitted|allowed|implemented)|unsupported|unexpected (keyword|field|argument)/i;

const refusal = (e: unknown): e is UpstreamError => isUpstreamError(e) && (e.upstreamStatus === 400 || e.upstreamStatus === 422 || e.upstreamStatus === 501) && UNSUPPORTED.test(e.engineMessage);

type MethodResult = { ok: true; scores: CandidateScore[]; exchanges: Exchange[]; note?: string } | { ok: false; reason: string; unsupported: boolean; exchanges: Exchange[] };

function finishOf(reason: string | null, stopReason: string | number | null): FinishReason {
  if (reason === "length") return "max_tokens";
  if (reason === "stop" && typeof stopReason === "string") return "stop_string";
  return "stop_token";
}

function usageOf(body: unknown): Usage | null {
  const u = body && typeof body === "object" ? (body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null }).usage : null;
  if (!u || typeof u !== "object") return null;
  return { promptTokens: typeof u.prompt_tokens === "number" ? u.prompt_tokens : 0, completionTokens: typeof u.completion_tokens === "number" ? u.completion_tokens : 0 };
}

/** One exchange, or one listing every request and answer of a call that sent several. */
function mergeExchanges(list: Exchange[]): Exchange | undefined {
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  const shown = list.slice(0, MAX_EXCHANGES);
  const more = list.length - shown.length;
  const tail = more > 0 ? [`…(${more} more requests)`] : [];
  return { url: (list[0] as Exchange).url, request: [...shown.map((e) => e.request), ...tail], response: [...shown.map((e) => e.response), ...tail], status: (list[list.length - 1] as Exchange).status };
}

const score1 = (candidate: string, lps: number[]): CandidateScore => {
  const sum = lps.reduce((a, b) => a + b, 0);
  return { candidate, tokenIds: [], tokenLogProbs: lps, sum, mean: lps.length ? sum / lps.length : sum };
};

/** How long a method an engine did not offer is skipped (then tried again: engines get upgraded). */
const REFUSAL_TTL_MS = 10 * 60_000;
const REFUSALS = Symbol.for("flamingo-studio.remote-rank-refusals");

/**
 * Rank methods an engine turned out not to offer, with why: remembered for the process (backends
 * are created per call), per engine id, address and model, for REFUSAL_TTL_MS.
 */
function refusedMethods(config: RemoteEngineConfig): { has(m: RankMethod): boolean; get(m: RankMethod): string | undefined; set(m: RankMethod, why: string): void } {
  const g = globalThis as typeof globalThis & { [REFUSALS]?: Map<string, { why: string; at: number }> };
  const all = (g[REFUSALS] ??= new Map());
  const key = (m: RankMethod) => `${config.id}|${config.baseUrl}|${config.model}|${m}`;
  const get = (m: RankMethod) => {
    const hit = all.get(key(m));
    if (!hit) return undefined;
    if (Date.now() - hit.at > REFUSAL_TTL_MS) {
      all.delete(key(m));
      return undefined;
    }
    return hit.why;
  };
  return {
    has: (m) => get(m) !== undefined,
    get,
    set: (m, why) => void all.set(key(m), { why, at: Date.now() }),
  };
}

/** Runs `fn` over `items`, at most `limit` at once, in order; the first failure aborts the rest. */
async function pool<T, R>(items: readonly T[], limit: number, signal: AbortSignal | undefined, fn: (item: T, i: number, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  const ctl = new AbortController();
  const s = signal ? AbortSignal.any([signal, ctl.signal]) : ctl.signal;
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T, i, s);
      } catch (e) {
        if (!ctl.signal.aborted) ctl.abort(e);
        throw e;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (signal?.aborted) throw signal.reason;
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw ctl.signal.reason ?? failed.reason;
  return out;
}

/**
 * A remote OpenAI-compatible engine (vLLM, llama.cpp, Ollama, TGI, a hosted API) behind the Backend
 * contract. Every request goes through the engine's process-wide concurrency limit and its timeout;
 * no call is retried here (wrap calls in `withRetries`, which follows `retryable`).
 */
export function createRemoteBackend(config: RemoteEngineConfig, opts: RemoteBackendOptions = {}): RemoteBackend {
  const http = new EngineHttp(config, opts.fetch);
  const cache = opts.imageSource ? new DataUrlCache(32 * 1024 * 1024) : sharedImageCache();
  const resolveImage = imageUrlResolver(opts.imageSource ?? defaultImageSource, config.image, cache);
  const refused = refusedMethods(config);

  const chain = (): RankMethod[] => {
    const probed = config.capabilities?.rankMethod;
    const start = probed === undefined ? 0 : Math.max(0, probed === "echo_logprobs" ? 1 : CHAIN.indexOf(probed));
    return CHAIN.slice(start).filter((m) => m === "generate_match" || !refused.has(m));
  };

  const capabilities = (): BackendCapabilities => ({
    streaming: true,
    rankMethods: chain(),
    maxImagesPerPrompt: config.maxImages,
    maxConcurrency: Math.max(1, config.maxConcurrency),
    trace: false,
    beams: false,
  });

  const checkImages = (prompt: PromptSequence) => {
    const n = imagesOf(prompt).length;
    if (config.maxImages != null && n > config.maxImages) {
      throw new AppError("payload_too_large", `The engine ${config.name} accepts at most ${config.maxImages} image${config.maxImages === 1 ? "" : "s"} per prompt; this prompt has ${n}`);
    }
    return n;
  };

  const buildMessages = async (prompt: PromptSequence, signal?: AbortSignal): Promise<{ messages: ChatMessage[]; encodeMs: number }> => {
    const t0 = performance.now();
    const ids = [...new Set(imagesOf(prompt))];
    const urls = new Map<string, string>();
    await Promise.all(
      ids.map(async (id) => {
        urls.set(id, await resolveImage(id));
      }),
    );
    signal?.throwIfAborted();
    const messages = toChatMessages(prompt, { style: config.promptStyle, systemPrompt: config.systemPrompt }, (id) => urls.get(id) as string);
    return { messages, encodeMs: performance.now() - t0 };
  };

  const post = (body: Record<string, unknown>, signal?: AbortSignal): Promise<JsonAnswer> => http.json("POST", "/chat/completions", { model: config.model, ...body }, signal);

  async function generate(prompt: PromptSequence, params: GenerateParams, hooks: RunHooks = {}): Promise<BackendRunResult> {
    const t0 = performance.now();
    const images = checkImages(prompt);
    if ((params.numBeams ?? 1) > 1) throw new AppError("bad_request", `Beam search is not available on the remote engine ${config.name}`);
    const { messages, encodeMs } = await buildMessages(prompt, hooks.signal);
    const sampling = (params.temperature ?? 0) > 0;
    const body: Record<string, unknown> = {
      model: config.model,
      messages,
      max_tokens: params.maxTokens ?? 20,
      temperature: sampling ? params.temperature : 0,
      ...(sampling && params.topP !== undefined ? { top_p: params.topP } : {}),
      ...(params.seed !== undefined ? { seed: params.seed } : {}),
      ...(params.stop?.length ? { stop: params.stop } : {}),
      ...(params.minTokens ? { min_tokens: params.minTokens } : {}),
    };
    const onToken = hooks.onToken;
    if (onToken) {
      let index = 0;
      const r = await http.stream("/chat/completions", { ...body, stream: true, stream_options: { include_usage: true } }, (text) => onToken({ index: index++, tokenId: -1, text }), hooks.signal);
      const s = r.summary;
      const completionTokens = s.usage?.completion_tokens ?? index;
      const prefillMs = r.firstDeltaMs ?? r.ms;
      const decodeMs = Math.max(0, r.ms - prefillMs);
      return {
        text: s.text,
        tokenIds: [],
        finishReason: finishOf(s.finishReason, s.stopReason),
        usage: { promptTokens: s.usage?.prompt_tokens ?? 0, completionTokens, images },
        timings: { encodeMs, prefillMs, decodeMs, tokensPerSecond: decodeMs > 0 ? (Math.max(0, completionTokens - 1) * 1000) / decodeMs : 0 },
        executionProvider: "remote",
        engine: config.id,
        model: config.model,
        latencyMs: performance.now() - t0,
        exchange: r.exchange,
      };
    }
    const r = await http.json("POST", "/chat/completions", body, hooks.signal);
    const choice = (r.body as { choices?: { message?: { content?: unknown }; finish_reason?: unknown; stop_reason?: unknown }[] }).choices?.[0];
    if (!choice) throw new UpstreamError("upstream_error", `The engine ${config.name} answered without a choice`, { upstreamStatus: r.status, exchange: r.exchange });
    const text = typeof choice.message?.content === "string" ? choice.message.content : "";
    const usage = usageOf(r.body);
    const completionTokens = usage?.completionTokens ?? 0;
    return {
      text,
      tokenIds: [],
      finishReason: finishOf(typeof choice.finish_reason === "string" ? choice.finish_reason : null, typeof choice.stop_reason === "string" || typeof choice.stop_reason === "number" ? choice.stop_reason : null),
      usage: { promptTokens: usage?.promptTokens ?? 0, completionTokens, images },
      // Without a stream the split between prompt and answer is unknown: the whole wait counts as decode.
      timings: { encodeMs, prefillMs: 0, decodeMs: r.ms, tokensPerSecond: r.ms > 0 ? (completionTokens * 1000) / r.ms : 0 },
      executionProvider: "remote",
      engine: config.id,
      model: config.model,
      latencyMs: performance.now() - t0,
      exchange: r.exchange,
    };
  }

  async function byPromptLogprobs(messages: ChatMessage[], candidates: readonly string[], usage: Usage, signal?: AbortSignal): Promise<MethodResult> {
    const exchanges: Exchange[] = [];
    const one = async (candidate: string, s?: AbortSignal) => {
      const r = await post({ messages: [...messages, { role: "assistant", content: candidate }], continue_final_message: true, add_generation_prompt: false, max_tokens: 1, temperature: 0, prompt_logprobs: 0 }, s);
      exchanges.push(r.exchange);
      const u = usageOf(r.body);
      if (u) {
        usage.promptTokens += u.promptTokens;
        usage.completionTokens += u.completionTokens;
      }
      const b = r.body as { prompt_logprobs?: unknown; choices?: { prompt_logprobs?: unknown }[] };
      return candidateFromPromptLogprobs(b.prompt_logprobs ?? b.choices?.[0]?.prompt_logprobs, candidate);
    };
    try {
      // The first candidate alone: an engine without prompt log-probabilities says so once, not once per candidate.
      const first = await one(candidates[0] as string, signal);
      if (!first.ok) return { ok: false, reason: first.reason, unsupported: first.reason.startsWith("the engine returned no"), exchanges };
      const rest = await pool(candidates.slice(1), Math.max(1, config.maxConcurrency), signal, (c, _i, s) => one(c, s));
      const walks = [first, ...rest];
      const bad = walks.findIndex((w) => !w.ok);
      if (bad >= 0) {
        const w = walks[bad] as { ok: false; reason: string };
        return { ok: false, reason: `candidate ${JSON.stringify(candidates[bad])}: ${w.reason}`, unsupported: false, exchanges };
      }
      return { ok: true, scores: walks.map((w, i) => score1(candidates[i] as string, (w as { tokenLogProbs: number[] }).tokenLogProbs)), exchanges };
    } catch (e) {
      if (refusal(e)) return { ok: false, reason: `the engine refused prompt_logprobs (${e.upstreamStatus}: ${e.engineMessage})`, unsupported: true, exchanges: e.exchange ? [...exchanges, e.exchange] : exchanges };
      throw e;
    }
  }

  async function byFirstToken(messages: ChatMessage[], candidates: readonly string[], usage: Usage, signal?: AbortSignal): Promise<MethodResult> {
    const exchanges: Exchange[] = [];
    let r: JsonAnswer | undefined;
    for (const top of [FIRST_TOKEN_TOP, 5]) {
      try {
        r = await post({ messages, max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: top }, signal);
        break;
      } catch (e) {
        if (!refusal(e)) throw e;
        if (e.exchange) exchanges.push(e.exchange);
        // TGI caps top_logprobs at 5: one more try with 5, then give up.
        if (top === 5 || !/top_logprobs|top_n_tokens/i.test(e.engineMessage)) return { ok: false, reason: `the engine refused top_logprobs (${e.upstreamStatus}: ${e.engineMessage})`, unsupported: true, exchanges };
      }
    }
    if (!r) return { ok: false, reason: "no answer", unsupported: false, exchanges };
    exchanges.push(r.exchange);
    const u = usageOf(r.body);
    if (u) {
      usage.promptTokens += u.promptTokens;
      usage.completionTokens += u.completionTokens;
    }
    const first = (r.body as { choices?: { logprobs?: { content?: { token?: unknown; logprob?: unknown; top_logprobs?: { token?: unknown; logprob?: unknown }[] }[] } | null }[] }).choices?.[0]?.logprobs?.content?.[0];
    const list: TopToken[] = [];
    for (const t of [...(first?.top_logprobs ?? []), ...(first ? [first] : [])]) {
      if (t && typeof t.token === "string") list.push({ token: t.token, logprob: asLogProb(t.logprob) });
    }
    if (list.length === 0) return { ok: false, reason: "the engine returned no top log-probabilities", unsupported: true, exchanges };
    const m = matchFirstTokens(list, candidates);
    if (!m.ok) return { ok: false, reason: m.reason, unsupported: false, exchanges };
    return { ok: true, scores: candidates.map((c, i) => score1(c, [m.logprobs[i] as number])), exchanges };
  }

  async function byGenerateMatch(messages: ChatMessage[], candidates: readonly string[], usage: Usage, signal?: AbortSignal): Promise<MethodResult> {
    const r = await post({ messages, max_tokens: generateMatchMaxTokens(candidates), temperature: 0 }, signal);
    const u = usageOf(r.body);
    if (u) {
      usage.promptTokens += u.promptTokens;
      usage.completionTokens += u.completionTokens;
    }
    const content = (r.body as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content;
    const text = typeof content === "string" ? content : "";
    const idx = matchGenerated(text, candidates);
    const scores = candidates.map((c, i) => score1(c, [i === idx ? 0 : -Infinity]));
    const note = idx === null ? `the greedy answer ${JSON.stringify(text.trim().slice(0, 120))} matched no candidate` : `the greedy answer was ${JSON.stringify(text.trim().slice(0, 120))}`;
    return { ok: true, scores, exchanges: [r.exchange], note };
  }

  async function score(prompt: PromptSequence, candidates: readonly string[], o: ScoreCallOptions = {}): Promise<ScoreOutcome> {
    const t0 = performance.now();
    checkImages(prompt);
    if (candidates.length === 0) throw new AppError("bad_request", "At least one candidate is needed");
    candidates.forEach((c, i) => {
      if (c.trim() === "") throw new AppError("bad_request", `Candidate ${i} is empty`);
    });
    const { messages } = await buildMessages(prompt, o.signal);
    const usage: Usage = { promptTokens: 0, completionTokens: 0 };
    const notes: string[] = [];
    const probed = config.capabilities?.rankMethod;
    if (probed && probed !== "prompt_logprobs" && probed !== "exact") notes.push(`the connection test found no prompt log-probabilities on this engine (best method: ${probed})`);
    for (const method of CHAIN) {
      if (!chain().includes(method)) {
        const why = refused.get(method);
        if (why) notes.push(`${method}: ${why}`);
        continue;
      }
      const r =
        method === "prompt_logprobs"
          ? await byPromptLogprobs(messages, candidates, usage, o.signal)
          : method === "first_token_logprobs"
            ? await byFirstToken(messages, candidates, usage, o.signal)
            : await byGenerateMatch(messages, candidates, usage, o.signal);
      if (!r.ok) {
        if (r.unsupported) refused.set(method, r.reason);
        notes.push(`${method}: ${r.reason}`);
        continue;
      }
      if (r.note) notes.push(r.note);
      const exchange = mergeExchanges(r.exchanges);
      return {
        scores: r.scores,
        ranking: rankingOf(r.scores),
        method,
        approximate: RANK_METHODS[method].approximate,
        ...(notes.length ? { note: notes.join("; ") } : {}),
        usage,
        latencyMs: performance.now() - t0,
        ...(exchange ? { exchange } : {}),
      };
    }
    throw new UpstreamError("upstream_error", `The engine ${config.name} offered no way to rank candidates: ${notes.join("; ")}`);
  }

  return {
    id: config.id,
    kind: "openai",
    model: config.model,
    capabilities,
    generate,
    score,
    async scoreMany(prompts, candidates, o = {}) {
      if (candidates.length !== prompts.length) throw new AppError("bad_request", "One candidate list per prompt is needed");
      for (const p of prompts) checkImages(p);
      return pool(prompts, Math.max(1, config.maxConcurrency), o.signal, (p, i, s) => score(p, candidates[i] as readonly string[], { ...o, signal: s }));
    },
    retryable,
  };
}
