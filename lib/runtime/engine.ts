/**
 * FlamingoEngine: runs an interleaved prompt on a `flamingo-onnx/1` package
 * (docs/model-format.md) with whatever ORT namespace and image decoder a backend hands it.
 *
 * Every public method runs through one SessionQueue, so the two ORT sessions never run
 * concurrently; cancellation (AbortSignal) is checked before each model call.
 */
import { AppError } from "@/lib/errors";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { KvCache, type KvShape } from "./kv-cache";
import { rowLogProbs, type RowLogProbs, type TokenLogProb } from "./logprobs";
import type { Manifest, ModelPackage } from "./manifest";
import { float32Data, int64Tensor, type OrtNamespace, type OrtSession, type OrtSessionOptions, type OrtTensor } from "./ort";
import { preprocessImage, type ImageDecoder } from "./preprocess";
import { PrefixCache, type PrefixEntry } from "./prefix-cache";
import { SessionQueue } from "./queue";
import { logProbAt, logSoftmax, logSumExp, sampleToken, seededRandom, topK } from "./sampling";
import { findStop, safePrefixLength } from "./stop";
import { toStream, type Streamed } from "./stream";
import { checkPromptTokens, modelContextTokens, type TokenLimits, type TokenReserve } from "./token-limit";
import { FlamingoTokenizer, utf8Length, type PromptInputs } from "./tokenizer";
import { gatesOf, traceAt, type TokenTrace } from "./trace";
import { VisualCache } from "./visual-cache";

export type ImageSource = (assetId: string) => Promise<Uint8Array>;

export interface EngineOptions {
  ort: OrtNamespace;
  pkg: ModelPackage;
  decodeImage: ImageDecoder;
  /** Image file bytes by asset id (content hash). */
  imageSource: ImageSource;
  sessionOptions?: OrtSessionOptions;
  /** Which execution provider the sessions run on, as reported to callers. */
  executionProvider?: string;
  visualCacheEntries?: number;
  prefixCacheEntries?: number;
  /** Requests allowed to wait for the model; more are refused (QueueFullError). */
  maxPending?: number;
  /**
   * Most prompt tokens a call may have (a deployment cap, checked after tokenizing, before any model
   * work; 413 past it). The model's context applies as well (`contextTokens`).
   */
  maxPromptTokens?: number;
  /** How the cap is named in its message (e.g. "FLAMINGO_MAX_PROMPT_TOKENS"). */
  maxPromptTokensName?: string;
  /**
   * Tokens the model reads in all, prompt + max tokens (or + candidate). Default: from the package
   * (lib/runtime/token-limit.ts modelContextTokens); null: no context limit.
   */
  contextTokens?: number | null;
  /**
   * Feed scoring rows the batch-1 prefix cache itself when lm.onnx broadcasts it (default: when the
   * manifest's `lm_features` has "past_broadcast"); false tiles the cache to the rows instead.
   */
  pastBroadcast?: boolean;
  /**
   * Lets pending events (a cancel message, a closed connection) run between decode steps:
   * onnxruntime-web's WASM kernels resolve in microtasks, which alone would starve them.
   * Default: setImmediate, else a MessageChannel round trip.
   */
  yieldToEventLoop?: () => Promise<void>;
}

/** A macrotask boundary without setTimeout's 4 ms clamp. */
export function defaultYield(): () => Promise<void> {
  if (typeof setImmediate === "function") return () => new Promise<void>((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === "function") {
    const channel = new MessageChannel();
    const waiting: (() => void)[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(null);
      });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
}

export interface GenerateOptions {
  /** Most new tokens (default 20). */
  maxTokens?: number;
  /** The stop token is suppressed until this many tokens exist (default 0). */
  minTokens?: number;
  /** > 0 samples (with `topP`, `seed`); 0 or absent is greedy. */
  temperature?: number;
  topP?: number;
  seed?: number;
  /** > 1: beam search with this many beams (the paper uses 3); tokens arrive when it ends. */
  numBeams?: number;
  /** Stop when the text contains any of these (the text is cut before it). */
  stop?: string[];
  signal?: AbortSignal;
  /** Per generated token: attention mass per image and the gate values. */
  trace?: boolean;
  /**
   * Per generated token (the stop token too): its log-prob and this many most likely alternatives
   * (0: the log-prob only), from the raw logits the sampler picks from (before temperature, top-p
   * and the minTokens mask; natural log). Absent: nothing is computed. Not with beam search.
   */
  logprobs?: number;
  onToken?: (event: TokenEvent) => void;
}

/**
 * One generated token. The stop token (`<|endofchunk|>`) gets an event too, marked `stop`;
 * it is not part of the result's `tokenIds` or `text`.
 */
export interface TokenEvent {
  /** 0-based index of the generated token. */
  index: number;
  tokenId: number;
  /** Text released by this token (may be "" while a stop string or UTF-8 sequence is pending). */
  text: string;
  stop?: true;
  trace?: TokenTrace;
  /** With `GenerateOptions.logprobs`: this token's log-prob (raw logits, natural log). */
  logprob?: number;
  /** With `GenerateOptions.logprobs`: the most likely tokens at this step, most likely first. */
  top?: TokenLogProb[];
}

/** One prompt position in `FlamingoEngine.promptLogProbs`. */
export interface PromptTokenLogProbs {
  tokenId: number;
  /** The token on its own, decoded (`<image>`, `<|endofchunk|>` as their literal text). */
  text: string;
  /** log p(token | everything before it), natural log; null for the first token (nothing predicts it). */
  logprob: number | null;
  /** 1-based rank of the token among the vocabulary at this position (1 = most likely); null for the first. */
  rank: number | null;
  /** The `topK` most likely tokens at this position, most likely first (rank i + 1); empty for the first. */
  top: TokenLogProb[];
}

export type FinishReason = "stop_token" | "stop_string" | "max_tokens";

export interface Timings {
  encodeMs: number;
  prefillMs: number;
  decodeMs: number;
  /** Generated tokens per second of decode time (prefill excluded). */
  tokensPerSecond: number;
}

export interface GenerateResult {
  text: string;
  /** Generated ids, without the stop token. */
  tokenIds: number[];
  finishReason: FinishReason;
  usage: { promptTokens: number; completionTokens: number; images: number };
  trace?: TokenTrace[];
  timings: Timings;
  executionProvider: string;
}

export interface ScoreOptions {
  signal?: AbortSignal;
  /** Append `<|endofchunk|>` to each candidate, as the paper's ranking does (default true). */
  appendEndOfChunk?: boolean;
  /** Candidate rows per LM call (default 48). */
  batchSize?: number;
}

export interface CandidateScore {
  candidate: string;
  tokenIds: number[];
  /** Log-probability of each token of `tokenIds` given everything before it. */
  tokenLogProbs: number[];
  sum: number;
  mean: number;
}

export interface EngineStats {
  visualCache: ReturnType<VisualCache["stats"]>;
  prefixCache: ReturnType<PrefixCache["stats"]>;
  queue: { pending: number; running: boolean };
  executionProvider: string;
  /** Tokens generated (decode steps taken) since the engine was created. */
  tokensGenerated: number;
  /** Session runs since the engine was created (vision.onnx, lm.onnx) and the tokens fed to lm.onnx (rows × length). */
  modelCalls: { vision: number; lm: number; lmTokens: number };
}

/** The prompt after prefill: a B = 1 cache owned by the caller, and the last position's logits. */
interface Prefilled {
  inputs: PromptInputs;
  /** `[N]` visual tokens `[L * D]` per image, in prompt order. */
  images: Float32Array[];
  cache: KvCache;
  /** `[V]` logits of the last prompt position. */
  lastLogits: Float32Array;
  /** Trace of the last prompt position (only when asked). */
  lastTrace?: TokenTrace;
  /** Index of the last image of the prompt, -1 if none: `image_index` of every new token. */
  lastImage: number;
  encodeMs: number;
  prefillMs: number;
}

const now = () => performance.now();

/** `maxTokens` of generate when a caller gives none. */
export const DEFAULT_MAX_TOKENS = 20;

/**
 * Most new tokens fed to lm.onnx in one prefill call: a longer segment is fed in pieces of this many,
 * yielding between them, so one call's memory and time stay bounded and a cancel is seen between them
 * (onnxruntime-node called directly runs a session on the calling thread: its `run` is a setImmediate
 * around a blocking call; the server runs its sessions in worker threads). A flamingo-mini prompt
 * (≤ 512 tokens) is always one piece.
 */
export const PREFILL_CHUNK_TOKENS = 512;

/**
 * Most tokens (rows × padded length) in one scoring call. Sweep batches (48 rows of a short query
 * chunk and candidate) stay well under it; long candidates get fewer rows per call, so one call
 * stays short (see PREFILL_CHUNK_TOKENS).
 */
export const SCORE_CALL_TOKENS = 1024;

/** Alternatives kept per position by promptLogProbs (and its prefix-cache entries) at the least. */
const PROMPT_TOP_KEEP = 20;

/** lm.onnx outputs fetched per call: an output not fetched is not copied out of the session. */
const STEP_FETCHES = ["logits", "present_key_values"] as const;
const TRACE_FETCHES = ["logits", "present_key_values", "xattn_weights", "gates"] as const;
const LOGITS_FETCH = ["logits"] as const;
const VISION_FETCH = ["visual_tokens"] as const;
/** Images read and decoded at the same time when a vision batch is encoded. */
const IMAGE_READS_AT_ONCE = 8;

export class FlamingoEngine {
  readonly manifest: Manifest;
  readonly tokenizer: FlamingoTokenizer;
  readonly visualCache: VisualCache;
  readonly prefixCache: PrefixCache;
  readonly executionProvider: string;
  private readonly queue: SessionQueue;
  private readonly yieldToEventLoop: () => Promise<void>;
  private readonly kv: KvShape;
  private readonly L: number;
  private readonly D: number;
  /** Scoring rows share the prefix cache untiled (lm.onnx broadcasts a batch-1 past over B rows). */
  private readonly pastBroadcast: boolean;
  private released = false;
  /** The last `visual_tokens` fed by lmStep: decode steps feed the same image every step, built once. */
  private lastVisual?: { images: readonly Float32Array[]; lo: number; hi: number; B: number; tensor: OrtTensor };
  private tokensGenerated = 0;
  private readonly calls = { vision: 0, lm: 0, lmTokens: 0 };
  /** The token limits every call is checked against (after tokenizing, before model work). */
  readonly tokenLimits: TokenLimits;
  /** tokenText memo (the vocabulary is bounded). */
  private readonly tokenTexts = new Map<number, string>();

  private constructor(
    private readonly ort: OrtNamespace,
    private readonly vision: OrtSession,
    private readonly lm: OrtSession,
    pkg: ModelPackage,
    private readonly decodeImage: ImageDecoder,
    private readonly imageSource: ImageSource,
    opts: EngineOptions,
  ) {
    this.manifest = pkg.manifest;
    this.tokenizer = new FlamingoTokenizer(pkg.tokenizerJson, pkg.tokenizerConfig, pkg.manifest);
    const a = pkg.manifest.architecture;
    this.kv = { nLayers: a.language_model.n_layers, nHeads: a.language_model.n_heads, headDim: a.language_model.head_dim };
    this.L = a.n_visual_tokens_per_image;
    this.D = a.visual_token_dim;
    this.pastBroadcast = (opts.pastBroadcast ?? true) && (pkg.manifest.lm_features?.includes("past_broadcast") ?? false);
    this.visualCache = new VisualCache(opts.visualCacheEntries ?? 512);
    this.prefixCache = new PrefixCache(opts.prefixCacheEntries ?? 8);
    this.queue = new SessionQueue(opts.maxPending ?? Infinity);
    this.executionProvider = opts.executionProvider ?? "unknown";
    this.yieldToEventLoop = opts.yieldToEventLoop ?? defaultYield();
    const context = opts.contextTokens === null ? undefined : (opts.contextTokens ?? modelContextTokens(pkg.manifest, pkg.tokenizerConfig));
    this.tokenLimits = {
      ...(context !== undefined ? { context } : {}),
      ...(opts.maxPromptTokens !== undefined ? { maxPromptTokens: opts.maxPromptTokens } : {}),
      ...(opts.maxPromptTokensName !== undefined ? { capName: opts.maxPromptTokensName } : {}),
    };
  }

  static async create(opts: EngineOptions): Promise<FlamingoEngine> {
    const { ort, pkg } = opts;
    const vision = await ort.InferenceSession.create(pkg.vision, opts.sessionOptions);
    const lm = await ort.InferenceSession.create(pkg.lm, opts.sessionOptions);
    checkNames("vision", vision, ["pixels"], ["visual_tokens"]);
    checkNames("lm", lm, ["input_ids", "visual_tokens", "image_index", "past_key_values"], ["logits", "present_key_values", "xattn_weights", "gates"]);
    return new FlamingoEngine(ort, vision, lm, pkg, opts.decodeImage, opts.imageSource, opts);
  }

  /** Switch both caches on or off (off also empties them). */
  setCaching(enabled: boolean): void {
    this.visualCache.setEnabled(enabled);
    this.prefixCache.setEnabled(enabled);
  }

  stats(): EngineStats {
    return {
      visualCache: this.visualCache.stats(),
      prefixCache: this.prefixCache.stats(),
      queue: { pending: this.queue.pending, running: this.queue.running },
      executionProvider: this.executionProvider,
      tokensGenerated: this.tokensGenerated,
      modelCalls: { ...this.calls },
    };
  }

  /** Prompt -> model inputs (no model call). */
  encodePrompt(prompt: PromptSequence): PromptInputs {
    return this.tokenizer.encodePrompt(prompt);
  }

  /**
   * Refuse (413, AppError) a prompt past the token limits for a call adding `reserve` tokens; else
   * its inputs. A prompt whose text alone is certainly too long is refused before tokenizing (its
   * count is then "at least"). No queue, no model call: callers check before queueing, and every
   * queued call checks again.
   */
  checkPrompt(prompt: PromptSequence, reserve: TokenReserve): PromptInputs {
    checkPromptTokens(this.tokenizer.promptTokensAtLeast(prompt), this.tokenLimits, reserve, true);
    const inputs = this.tokenizer.encodePrompt(prompt);
    checkPromptTokens(inputs.inputIds.length, this.tokenLimits, reserve);
    return inputs;
  }

  /** The tokens scoring adds to each prompt: its longest candidate's (with `<|endofchunk|>` when appended). */
  candidateReserve(candidates: readonly string[], appendEndOfChunk = true): TokenReserve {
    let most = 0;
    for (const c of candidates) most = Math.max(most, this.candidateTokens(c, appendEndOfChunk).length);
    return { kind: "score", candidateTokens: most };
  }

  /** A candidate's tokens; one certainly longer than the whole context is refused (413) without tokenizing it. */
  private candidateTokens(candidate: string, appendEndOfChunk: boolean): number[] {
    const context = this.tokenLimits.context;
    const k = this.tokenizer.maxTokenBytes;
    if (context !== undefined && k !== undefined) {
      const least = Math.ceil(utf8Length(candidate) / k) + (appendEndOfChunk ? 1 : 0);
      if (least >= context) {
        throw new AppError("payload_too_large", `A candidate is at least ${least.toLocaleString("en-US")} tokens; this model reads at most ${context.toLocaleString("en-US")} (prompt + candidate)`);
      }
    }
    const ids = [...this.tokenizer.encodeText(candidate)];
    if (appendEndOfChunk) ids.push(this.tokenizer.endOfChunkId);
    return ids;
  }

  /**
   * Visual tokens of images by asset id: `[N]` arrays of `[L * D]` (row-major `[L, D]`).
   * Cached by asset id; misses are encoded in one `vision.onnx` call, `pixels` `[B, 3, H, W]`.
   */
  encodeImages(assetIds: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    return this.queue.run(() => this.encodeImagesUnlocked(assetIds, signal), signal);
  }

  /** Preprocessed `pixels` of one image, `[3, H, W]` (for parity checks and previews). */
  async pixelsOf(assetId: string): Promise<Float32Array> {
    const bytes = await this.imageSource(assetId);
    return this.preprocess(assetId, bytes);
  }

  /** Generate a continuation of `prompt` (greedy, sampling or beam search). */
  generate(prompt: PromptSequence, opts: GenerateOptions = {}): Promise<GenerateResult> {
    return this.queue.run(() => this.generateUnlocked(prompt, opts), opts.signal);
  }

  /** `generate` as an async iterator of tokens plus the final result. */
  stream(prompt: PromptSequence, opts: Omit<GenerateOptions, "onToken"> = {}): Streamed<TokenEvent, GenerateResult> {
    return toStream((emit) => this.generate(prompt, { ...opts, onToken: emit }));
  }

  /**
   * Log-likelihood of each candidate continuation given `prompt` (docs/model-format.md §6):
   * the prompt is prefilled once (B = 1); its cache is tiled to K rows and the candidates run
   * as one right-padded `[K, C]` batch.
   */
  score(prompt: PromptSequence, candidates: readonly string[], opts: ScoreOptions = {}): Promise<CandidateScore[]> {
    return this.queue.run(async () => (await this.scoreManyUnlocked([prompt], [candidates], opts))[0] as CandidateScore[], opts.signal);
  }

  /**
   * `score` for many prompts at once (an eval cell: one query per prompt, `candidates[i]` for prompt i).
   * With the caches on, their images are encoded in one call, and prompts equal up to their query chunk
   * (the same demonstrations) share one prefill and run their candidate rows together, `batchSize` rows
   * per LM call. With the caches off, each prompt is encoded and prefilled on its own. Scores equal
   * `score`'s, prompt by prompt.
   */
  scoreMany(prompts: readonly PromptSequence[], candidates: readonly (readonly string[])[], opts: ScoreOptions = {}): Promise<CandidateScore[][]> {
    return this.queue.run(() => this.scoreManyUnlocked(prompts, candidates, opts), opts.signal);
  }

  /**
   * One throw-away run of each session, so a user's first run does not pay the sessions' first-run
   * costs (kernel setup, buffer allocation): vision.onnx on a blank `pixels` `[1, 3, H, W]`, then
   * lm.onnx on one `<|endofchunk|>` token (`input_ids` `[1, 1]`, no image: `visual_tokens`
   * `[1, 1, L, D]` zeros, `image_index` -1, an empty past). Touches no cache and no counter.
   */
  warmUp(): Promise<void> {
    return this.queue.run(async () => {
      this.assertLive();
      const [W, H] = this.manifest.image_preprocessing.size;
      const vision = await this.vision.run({ pixels: new this.ort.Tensor("float32", new Float32Array(3 * H * W), [1, 3, H, W]) }, VISION_FETCH);
      vision.visual_tokens?.dispose?.();
      const cache = KvCache.empty(this.ort, this.kv, 1);
      try {
        const out = await this.lm.run(
          {
            input_ids: int64Tensor(this.ort, [this.tokenizer.endOfChunkId], [1, 1]),
            visual_tokens: new this.ort.Tensor("float32", new Float32Array(this.L * this.D), [1, 1, this.L, this.D]),
            image_index: int64Tensor(this.ort, [-1], [1, 1]),
            past_key_values: cache.tensor,
          },
          STEP_FETCHES,
        );
        out.logits?.dispose?.();
        out.present_key_values?.dispose?.();
      } finally {
        cache.dispose();
      }
    });
  }

  /** Next-token logits after `prompt`: `[V]` (the last position of `logits` `[1, S, V]`). */
  nextTokenLogits(prompt: PromptSequence, signal?: AbortSignal): Promise<Float32Array> {
    return this.queue.run(async () => {
      const pre = await this.prefill(prompt, { wantTrace: false, reserve: { kind: "prompt" }, signal });
      pre.cache.dispose();
      return pre.lastLogits.slice();
    }, signal);
  }

  /**
   * Log-probs of every prompt token given the tokens (and images) before it: vLLM's `prompt_logprobs`.
   * Returns one entry per token of `encodePrompt(prompt).inputIds` (image placeholders and
   * `<|endofchunk|>` included), the first with no log-prob; each other with the token's log-prob, its
   * rank and the `topK` most likely tokens there.
   *
   * The prompt runs through lm.onnx in the segments `prefill` uses (split before the last `<image>`):
   * `input_ids` `[1, S_seg]`, `past_key_values` `[n_layers, 2, 1, n_heads, P, head_dim]`, giving
   * `logits` `[1, S_seg, V]`: row j predicts the segment's token j + 1, and the segment's first token
   * is predicted by the previous segment's last row (or the prefix-cache entry's `lastLogits`).
   * Images come from the visual cache; the prefix cache is reused, but only entries stored by this
   * method (they keep their positions' log-probs: the logits before the cache are gone otherwise),
   * and each segment is stored for the next call, and for `generate` on the same prompt. So a
   * query scored after another with the same demonstrations runs its query chunk only, and
   * `score(prompt, [c], { appendEndOfChunk: false })` equals the sum of the entries of `c`'s tokens
   * in `promptLogProbs(prompt + c)` (when `c` tokenizes the same on its own). One queued call.
   */
  promptLogProbs(prompt: PromptSequence, topK = 0, signal?: AbortSignal): Promise<PromptTokenLogProbs[]> {
    if (!(Number.isInteger(topK) && topK >= 0)) return Promise.reject(new AppError("bad_request", "topK must be a whole number ≥ 0"));
    return this.queue.run(() => this.promptLogProbsUnlocked(prompt, topK, signal), signal);
  }

  /** One token decoded on its own (special tokens as their literal text), memoised. */
  tokenText(tokenId: number): string {
    let t = this.tokenTexts.get(tokenId);
    if (t === undefined) {
      t = this.tokenizer.decode([tokenId]);
      this.tokenTexts.set(tokenId, t);
    }
    return t;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.queue.run(async () => {
      this.prefixCache.clear();
      await this.vision.release?.();
      await this.lm.release?.();
    });
  }

  // ------------------------------------------------------------------ internals (run inside the queue)

  private async preprocess(assetId: string, bytes: Uint8Array): Promise<Float32Array> {
    let rgba;
    const [width, height] = this.manifest.image_preprocessing.size;
    try {
      rgba = await this.decodeImage(bytes, { width, height });
    } catch (cause) {
      // A decoder's refusal of a too large image (bytes, pixels: 413) keeps its status and message.
      if (cause instanceof AppError && cause.code === "payload_too_large") throw new AppError(cause.code, `Image ${assetId.slice(0, 12)}: ${cause.message}`, { cause });
      throw new AppError("unprocessable", `Image ${assetId.slice(0, 12)} could not be decoded (corrupt or unsupported file)`, { cause });
    }
    return preprocessImage(rgba, this.manifest.image_preprocessing);
  }

  private async encodeImagesUnlocked(assetIds: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    this.assertLive();
    const found = new Map<string, Float32Array>();
    const missing: string[] = [];
    for (const id of assetIds) {
      if (found.has(id) || missing.includes(id)) continue;
      const hit = this.visualCache.get(id);
      if (hit) found.set(id, hit);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const [W, H] = this.manifest.image_preprocessing.size;
      const plane = 3 * H * W;
      const pixels = new Float32Array(missing.length * plane);
      // Images are read and decoded IMAGE_READS_AT_ONCE at a time (a browser worker fetches them in
      // parallel; the bytes of a few large images at most are held at once); the first failure in
      // prompt order is the one reported, as when they were read one by one.
      for (let at = 0; at < missing.length; at += IMAGE_READS_AT_ONCE) {
        const read = await Promise.allSettled(
          missing.slice(at, at + IMAGE_READS_AT_ONCE).map(async (id, k) => {
            let bytes: Uint8Array;
            try {
              bytes = await this.imageSource(id);
            } catch (cause) {
              if (cause instanceof AppError) throw cause;
              throw new AppError("not_found", `Image ${id.slice(0, 12)} could not be read`, { cause });
            }
            pixels.set(await this.preprocess(id, bytes), (at + k) * plane);
          }),
        );
        for (const r of read) if (r.status === "rejected") throw r.reason;
      }
      signal?.throwIfAborted();
      this.calls.vision++;
      const out = await this.vision.run({ pixels: new this.ort.Tensor("float32", pixels, [missing.length, 3, H, W]) }, VISION_FETCH);
      const vt = out.visual_tokens as OrtTensor;
      const data = float32Data(vt);
      const per = this.L * this.D;
      if (vt.dims[1] !== this.L || vt.dims[2] !== this.D) {
        throw new AppError("internal", `vision.onnx returned [${vt.dims.join(", ")}], the manifest says [B, ${this.L}, ${this.D}]`);
      }
      for (let i = 0; i < missing.length; i++) {
        const tokens = data.slice(i * per, (i + 1) * per);
        found.set(missing[i] as string, tokens);
        this.visualCache.set(missing[i] as string, tokens);
      }
      vt.dispose?.();
    }
    return assetIds.map((id) => found.get(id) as Float32Array);
  }

  /** `visual_tokens` `[B, N, L, D]` (N = 1 zeros for a text-only prompt), the same images in every row. */
  private visualTensor(images: readonly Float32Array[], batch: number): OrtTensor {
    const per = this.L * this.D;
    const N = Math.max(1, images.length);
    const data = new Float32Array(batch * N * per);
    for (let b = 0; b < batch; b++) images.forEach((img, n) => data.set(img, (b * N + n) * per));
    return new this.ort.Tensor("float32", data, [batch, N, this.L, this.D]);
  }

  /** `visualTensor(used, B)`, reused while the same images (by identity) and rows are fed. */
  private stepVisual(images: readonly Float32Array[], lo: number, hi: number, B: number, used: readonly Float32Array[]): OrtTensor {
    const m = this.lastVisual;
    if (m && m.images === images && m.lo === lo && m.hi === hi && m.B === B) return m.tensor;
    const tensor = this.visualTensor(used, B);
    this.lastVisual = { images, lo, hi, B, tensor };
    return tensor;
  }

  /**
   * One lm.onnx call. `inputIds`, `imageIndex`: row-major `[B, S]` (indices into `images`, the
   * prompt's N images); `cache` `[n_layers, 2, B, n_heads, P, head_dim]` is advanced to `P + S`.
   * Only the images this call's tokens refer to are fed (`visual_tokens` `[B, n, L, D]` with the
   * indices shifted): a token attends to its own image only, so the result is the same, and a
   * decode step does not project all N·L visual tokens again.
   * Returns `logits` `[B, S, V]` (as data), with `wantTrace` also `xattn_weights` `[B, n_xattn, S, n*L]`
   * and `gates` `[n_xattn, 2]` (otherwise not fetched: the copy out is skipped), and `imageOffset`: the
   * prompt index of the first image fed.
   */
  private async lmStep(inputIds: readonly number[], imageIndex: readonly number[], B: number, images: readonly Float32Array[], cache: KvCache, wantTrace = false) {
    const S = inputIds.length / B;
    let lo = Infinity;
    let hi = -1;
    for (const v of imageIndex) {
      if (v >= 0) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    const used = hi >= 0 ? images.slice(lo, hi + 1) : [];
    const imageOffset = hi >= 0 ? lo : 0;
    this.calls.lm++;
    this.calls.lmTokens += inputIds.length;
    const out = await this.lm.run(
      {
        input_ids: int64Tensor(this.ort, inputIds, [B, S]),
        visual_tokens: this.stepVisual(images, lo, hi, B, used),
        image_index: int64Tensor(this.ort, hi >= 0 ? imageIndex.map((v) => (v < 0 ? -1 : v - lo)) : imageIndex, [B, S]),
        past_key_values: cache.tensor,
      },
      wantTrace ? TRACE_FETCHES : STEP_FETCHES,
    );
    cache.update(out.present_key_values as OrtTensor);
    const logits = out.logits as OrtTensor;
    return {
      logits: float32Data(logits),
      V: logits.dims[2] as number,
      S,
      xattn: out.xattn_weights,
      gates: out.gates,
      imageOffset,
    };
  }

  /**
   * Encode images, then prefill the prompt, reusing the longest cached prefix. A cold prompt is
   * prefilled in two segments, split before its last `<image>` (the query chunk), and the state
   * after the demonstrations is kept too: the next query with the same demonstrations only
   * prefills its own chunk. Cached and uncached runs compute the same segments.
   */
  private async prefill(
    prompt: PromptSequence,
    o: { wantTrace: boolean; reserve: TokenReserve; signal?: AbortSignal | undefined; upTo?: number | undefined; inputs?: PromptInputs },
  ): Promise<Prefilled> {
    this.assertLive();
    const { wantTrace, signal, upTo } = o;
    const inputs = o.inputs ?? this.checkPrompt(prompt, o.reserve);
    const { inputIds: ids, imageIndex, mediaLocations } = inputs;
    if (ids.length === 0) throw new AppError("bad_request", "The prompt is empty");
    // `upTo`: prefill only the first upTo tokens (scoring feeds the rest with each candidate).
    const S = upTo ?? ids.length;
    const t0 = now();
    const images = await this.encodeImagesUnlocked(mediaLocations, signal);
    const t1 = now();
    const lastImage = imageIndex[ids.length - 1] as number;
    let hit: PrefixEntry | undefined = S > 0 ? this.prefixCache.lookup(S < ids.length ? ids.slice(0, S) : ids, mediaLocations) : undefined;
    // A trace needs the last position's cross-attention, so an exact hit is not enough then.
    if (hit && wantTrace && hit.ids.length === S) hit = undefined;
    const from = hit ? hit.ids.length : 0;
    const cache = hit ? hit.cache.gather([0]) : KvCache.empty(this.ort, this.kv, 1);
    let lastLogits = hit?.lastLogits ?? new Float32Array(0);
    let lastTrace: TokenTrace | undefined;
    const split = ids.lastIndexOf(this.tokenizer.imageId);
    const ends = S === 0 ? [] : split > from && split < S ? [split, S] : [S];
    try {
      let start = from;
      for (const end of ends) {
        if (end <= start) continue;
        // A long segment goes in pieces of PREFILL_CHUNK_TOKENS, the event loop served between them.
        for (let at = start; at < end; at += PREFILL_CHUNK_TOKENS) {
          const to = Math.min(end, at + PREFILL_CHUNK_TOKENS);
          await this.yieldToEventLoop();
          signal?.throwIfAborted();
          const r = await this.lmStep(ids.slice(at, to), imageIndex.slice(at, to), 1, images, cache, wantTrace && to === S);
          lastLogits = r.logits.slice((r.S - 1) * r.V, r.S * r.V);
          if (r.xattn && r.gates) lastTrace = traceAt(r.xattn, 0, r.S - 1, images.length, this.L, gatesOf(r.gates), r.imageOffset);
          r.xattn?.dispose?.();
          r.gates?.dispose?.();
        }
        const nMedia = (imageIndex[end - 1] as number) + 1;
        this.prefixCache.store(ids.slice(0, end), mediaLocations.slice(0, nMedia), cache, lastLogits);
        start = end;
      }
    } catch (e) {
      cache.dispose();
      throw e;
    }
    return { inputs, images, cache, lastLogits, lastTrace, lastImage, encodeMs: t1 - t0, prefillMs: now() - t1 };
  }

  private async generateUnlocked(prompt: PromptSequence, opts: GenerateOptions): Promise<GenerateResult> {
    const maxTokens = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
    if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new AppError("bad_request", "maxTokens must be a whole number ≥ 1");
    const numBeams = opts.numBeams ?? 1;
    if (!(Number.isInteger(numBeams) && numBeams >= 1 && numBeams <= 8)) throw new AppError("bad_request", "numBeams must be 1 to 8");
    if (opts.logprobs !== undefined) {
      if (!(Number.isInteger(opts.logprobs) && opts.logprobs >= 0)) throw new AppError("bad_request", "logprobs must be a whole number ≥ 0");
      if (numBeams > 1) throw new AppError("bad_request", "Log-probabilities are not available with beam search");
    }
    const pre = await this.prefill(prompt, { wantTrace: opts.trace === true && numBeams === 1, reserve: { kind: "generate", maxTokens }, signal: opts.signal });
    try {
      return numBeams > 1 ? await this.beamSearch(pre, opts, maxTokens, numBeams) : await this.decode(pre, opts, maxTokens);
    } finally {
      pre.cache.dispose();
    }
  }

  /** Greedy or sampled decode, B = 1: `input_ids [1, 1]`, `image_index [[last]]` per step. */
  private async decode(pre: Prefilled, opts: GenerateOptions, maxTokens: number): Promise<GenerateResult> {
    const stops = opts.stop ?? [];
    const random = seededRandom(opts.seed ?? 0);
    const temperature = opts.temperature ?? 0;
    const topP = opts.topP ?? 1;
    const minTokens = opts.minTokens ?? 0;
    const ids: number[] = [];
    const traces: TokenTrace[] = [];
    let logits = pre.lastLogits;
    let trace = pre.lastTrace;
    let emitted = 0;
    let text = "";
    let finishReason: FinishReason = "max_tokens";
    const t0 = now();
    for (let step = 0; step < maxTokens; step++) {
      await this.yieldToEventLoop();
      opts.signal?.throwIfAborted();
      const raw = logits;
      if (ids.length < minTokens) {
        logits = logits.slice();
        logits[this.tokenizer.stopId] = -Infinity;
      }
      const next = sampleToken(logits, temperature, topP, random);
      if (trace) traces.push(trace);
      const lp = opts.logprobs === undefined ? {} : this.stepLogProbs(raw, next, opts.logprobs);
      if (next === this.tokenizer.stopId) {
        finishReason = "stop_token";
        // The stop token's event releases whatever text was still held back.
        opts.onToken?.({ index: ids.length, tokenId: next, text: text.slice(emitted), stop: true, ...(trace ? { trace } : {}), ...lp });
        break;
      }
      ids.push(next);
      this.tokensGenerated++;
      text = this.tokenizer.decode(ids);
      const hitStop = findStop(text, stops);
      const last = step === maxTokens - 1;
      const release = hitStop ? hitStop.index : last ? text.length : safePrefixLength(text, stops);
      const delta = release > emitted ? text.slice(emitted, release) : "";
      emitted = Math.max(emitted, release);
      opts.onToken?.({ index: ids.length - 1, tokenId: next, text: delta, ...(trace ? { trace } : {}), ...lp });
      if (hitStop) {
        text = text.slice(0, hitStop.index);
        finishReason = "stop_string";
        break;
      }
      if (last) break;
      opts.signal?.throwIfAborted();
      const r = await this.lmStep([next], [pre.lastImage], 1, pre.images, pre.cache, opts.trace === true);
      logits = r.logits;
      trace = r.xattn && r.gates ? traceAt(r.xattn, 0, 0, pre.images.length, this.L, gatesOf(r.gates), r.imageOffset) : undefined;
      r.xattn?.dispose?.();
      r.gates?.dispose?.();
    }
    const decodeMs = now() - t0;
    return this.result(pre, ids, text, finishReason, decodeMs, opts.trace ? traces : undefined);
  }

  /**
   * Beam search (HF-style, length penalty 1, early stopping): each step feeds the live beams as
   * `input_ids [K, 1]` with the cache rows reordered to their parents. Tokens are reported when
   * it ends. Stop strings cut the final text.
   */
  private async beamSearch(pre: Prefilled, opts: GenerateOptions, maxTokens: number, numBeams: number): Promise<GenerateResult> {
    const stopId = this.tokenizer.stopId;
    type Beam = { ids: number[]; score: number };
    let live: Beam[] = [{ ids: [], score: 0 }];
    let rows: Float64Array[] = [logSoftmax(pre.lastLogits)];
    let cache = pre.cache.gather([0]);
    const finished: { ids: number[]; norm: number; reason: FinishReason }[] = [];
    const t0 = now();
    try {
      for (let step = 0; step < maxTokens; step++) {
        await this.yieldToEventLoop();
        opts.signal?.throwIfAborted();
        const cand: { parent: number; token: number; score: number }[] = [];
        rows.forEach((lp, b) => {
          for (const tok of topK(lp, 2 * numBeams)) cand.push({ parent: b, token: tok, score: (live[b] as Beam).score + (lp[tok] as number) });
        });
        cand.sort((x, y) => y.score - x.score);
        const next: (Beam & { parent: number })[] = [];
        for (const c of cand) {
          const ids = [...(live[c.parent] as Beam).ids];
          if (c.token === stopId && ids.length < (opts.minTokens ?? 0)) continue;
          if (c.token === stopId) {
            finished.push({ ids, norm: c.score / (ids.length + 1), reason: "stop_token" });
          } else {
            next.push({ ids: [...ids, c.token], score: c.score, parent: c.parent });
          }
          if (next.length === numBeams) break;
        }
        // Early stopping (as HF `early_stopping=True`): done once numBeams hypotheses have ended.
        if (finished.length >= numBeams || next.length === 0 || step === maxTokens - 1) {
          if (step === maxTokens - 1) for (const b of next) finished.push({ ids: b.ids, norm: b.score / b.ids.length, reason: "max_tokens" });
          break;
        }
        const reordered = cache.gather(next.map((b) => b.parent));
        cache.dispose();
        cache = reordered;
        opts.signal?.throwIfAborted();
        const r = await this.lmStep(
          next.map((b) => b.ids[b.ids.length - 1] as number),
          next.map(() => pre.lastImage),
          next.length,
          pre.images,
          cache,
        );
        rows = next.map((_, b) => logSoftmax(r.logits.subarray(b * r.V, (b + 1) * r.V)));
        live = next;
      }
    } finally {
      cache.dispose();
    }
    finished.sort((a, b) => b.norm - a.norm);
    const best = finished[0] ?? { ids: live[0]?.ids ?? [], norm: 0, reason: "max_tokens" as FinishReason };
    let text = this.tokenizer.decode(best.ids);
    let reason = best.reason;
    const hitStop = findStop(text, opts.stop ?? []);
    if (hitStop) {
      text = text.slice(0, hitStop.index);
      reason = "stop_string";
    }
    best.ids.forEach((id, i) => opts.onToken?.({ index: i, tokenId: id, text: i === best.ids.length - 1 ? text : "" }));
    return this.result(pre, best.ids, text, reason, now() - t0, undefined);
  }

  /** A decode step's `logprob` / `top` event fields from its raw logits row `[V]`. */
  private stepLogProbs(row: Float32Array, token: number, k: number): { logprob: number; top: TokenLogProb[] } {
    const r = rowLogProbs(row, token, k, false);
    return { logprob: r.logprob, top: this.alternatives(r) };
  }

  private alternatives(r: RowLogProbs, k = r.topIds.length): TokenLogProb[] {
    const out: TokenLogProb[] = [];
    for (let i = 0; i < k && i < r.topIds.length; i++) {
      const tokenId = r.topIds[i] as number;
      out.push({ tokenId, text: this.tokenText(tokenId), logprob: r.topLogprobs[i] as number });
    }
    return out;
  }

  private async promptLogProbsUnlocked(prompt: PromptSequence, topK: number, signal?: AbortSignal): Promise<PromptTokenLogProbs[]> {
    this.assertLive();
    const { inputIds: ids, imageIndex, mediaLocations } = this.checkPrompt(prompt, { kind: "prompt" });
    const S = ids.length;
    if (S === 0) throw new AppError("bad_request", "The prompt is empty");
    const keep = Math.max(topK, PROMPT_TOP_KEEP);
    const images = await this.encodeImagesUnlocked(mediaLocations, signal);
    const hit = this.prefixCache.lookup(ids, mediaLocations, (e) => (e.logProbs?.k ?? -1) >= keep);
    const at: (RowLogProbs | null)[] = hit?.logProbs ? hit.logProbs.at.slice(0, hit.ids.length) : [null];
    const from = hit ? hit.ids.length : 1;
    let prev: Float32Array | undefined = hit?.lastLogits;
    const cache = hit ? hit.cache.gather([0]) : KvCache.empty(this.ort, this.kv, 1);
    try {
      const split = ids.lastIndexOf(this.tokenizer.imageId);
      const start0 = hit ? hit.ids.length : 0;
      const ends = start0 >= S ? [] : split > start0 && split < S ? [split, S] : [S];
      let start = start0;
      for (const end of ends) {
        await this.yieldToEventLoop();
        signal?.throwIfAborted();
        const r = await this.lmStep(ids.slice(start, end), imageIndex.slice(start, end), 1, images, cache);
        // Position p (start ≤ p < end) is predicted by the row before it: the previous segment's last row for p = start.
        for (let p = Math.max(start, from); p < end; p++) {
          const row = p === start ? (prev as Float32Array) : r.logits.subarray((p - start - 1) * r.V, (p - start) * r.V);
          at[p] = rowLogProbs(row, ids[p] as number, keep);
        }
        prev = r.logits.slice((r.S - 1) * r.V, r.S * r.V);
        const nMedia = (imageIndex[end - 1] as number) + 1;
        this.prefixCache.store(ids.slice(0, end), mediaLocations.slice(0, nMedia), cache, prev, { k: keep, at: at.slice(0, end) });
        start = end;
      }
    } finally {
      cache.dispose();
    }
    return ids.map((tokenId, p) => {
      const r = at[p] ?? null;
      return { tokenId, text: this.tokenText(tokenId), logprob: r ? r.logprob : null, rank: r ? r.rank : null, top: r ? this.alternatives(r, topK) : [] };
    });
  }

  private result(pre: Prefilled, ids: number[], text: string, finishReason: FinishReason, decodeMs: number, trace?: TokenTrace[]): GenerateResult {
    const steps = Math.max(0, ids.length - 1);
    return {
      text,
      tokenIds: ids,
      finishReason,
      usage: { promptTokens: pre.inputs.inputIds.length, completionTokens: ids.length, images: pre.images.length },
      ...(trace ? { trace } : {}),
      timings: {
        encodeMs: pre.encodeMs,
        prefillMs: pre.prefillMs,
        decodeMs,
        tokensPerSecond: steps > 0 && decodeMs > 0 ? (steps * 1000) / decodeMs : 0,
      },
      executionProvider: this.executionProvider,
    };
  }

  /**
   * Scoring (docs/model-format.md §6), one LM call per batch of candidate rows: each prompt is
   * prefilled up to its query chunk (the part from its last `<image>`: the demonstrations, in a sweep
   * a prefix-cache hit), then every candidate runs as one row `[query chunk, candidate tokens but the
   * last]` of a right-padded `[R, Q + C]` batch on that cache tiled to R rows; row position Q − 1 + t
   * predicts candidate token t. Every token of a row refers to its query image only, so
   * `visual_tokens` is `[R, 1, L, D]` (row r: its prompt's query image) and `image_index` is 0.
   * A prompt without an image is prefilled whole; its rows hold the candidate tokens only and token 0
   * is scored from the prefill's last logits. Cached or not, the same segments run.
   */
  private async scoreManyUnlocked(prompts: readonly PromptSequence[], candidates: readonly (readonly string[])[], opts: ScoreOptions): Promise<CandidateScore[][]> {
    if (candidates.length !== prompts.length) throw new AppError("bad_request", "One candidate list per prompt is needed");
    const appendEoc = opts.appendEndOfChunk ?? true;
    const batchSize = Math.max(1, opts.batchSize ?? 48);
    const toks = candidates.map((list) => list.map((c) => this.candidateTokens(c, appendEoc)));
    toks.forEach((list) =>
      list.forEach((t, i) => {
        if (t.length === 0) throw new AppError("bad_request", `Candidate ${i} is empty`);
      }),
    );
    // Each prompt with its longest candidate must fit the model (checked before any model work).
    const enc = prompts.map((p, i) => this.checkPrompt(p, { kind: "score", candidateTokens: Math.max(0, ...(toks[i] ?? []).map((t) => t.length)) }));
    const shared = this.prefixCache.enabled && this.visualCache.enabled;
    if (shared && prompts.length > 1) await this.encodeImagesUnlocked([...new Set(enc.flatMap((e) => e.mediaLocations))], opts.signal);
    // Prompts with the same tokens and images before their query chunk share one prefill.
    const groups = new Map<string, number[]>();
    enc.forEach((e, i) => {
      const split = e.inputIds.lastIndexOf(this.tokenizer.imageId);
      const key = !shared || split < 0 ? `#${i}` : `${e.mediaLocations.slice(0, e.imageIndex[split] as number).join(",")}|${e.inputIds.slice(0, split).join(",")}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const out: CandidateScore[][] = prompts.map(() => []);
    for (const members of groups.values()) {
      const first = members[0] as number;
      const split = (enc[first] as PromptInputs).inputIds.lastIndexOf(this.tokenizer.imageId);
      const upTo = split >= 0 ? split : undefined;
      const pre = await this.prefill(prompts[first] as PromptSequence, { wantTrace: false, reserve: { kind: "prompt" }, signal: opts.signal, upTo, inputs: enc[first] as PromptInputs });
      try {
        type Row = { prompt: number; cand: number; ids: number[]; q: number; image?: Float32Array; lps: number[] };
        const rows: Row[] = [];
        for (const i of members) {
          const e = enc[i] as PromptInputs;
          const query = upTo === undefined ? [] : e.inputIds.slice(upTo);
          const qi = upTo === undefined ? -1 : (e.imageIndex[upTo] as number);
          // The query image: already encoded by the prefill for the group's first prompt, a cache hit for the others.
          const image = qi < 0 ? undefined : i === first ? pre.images[qi] : (await this.encodeImagesUnlocked([e.mediaLocations[qi] as string], opts.signal))[0];
          (toks[i] as number[][]).forEach((t, k) => {
            rows.push({ prompt: i, cand: k, ids: [...query, ...t.slice(0, -1)], q: query.length, ...(image ? { image } : {}), lps: query.length === 0 ? [logProbAt(pre.lastLogits, t[0] as number)] : [] });
          });
        }
        // Rows go shortest first, so a batch is padded to a length near its own rows'. The prefix cache
        // `[n_layers, 2, 1, n_heads, P, head_dim]` is fed as is when lm.onnx broadcasts a batch-1 past;
        // otherwise it is tiled once per group to equal batches (the last one padded with copies of its
        // last row) and reused by every call (rowsStep does not advance it).
        const size = rows.length === 0 ? 0 : Math.ceil(rows.length / Math.ceil(rows.length / batchSize));
        const order = [...rows].sort((a, b) => a.ids.length - b.ids.length);
        let tiled: KvCache | undefined;
        // A prompt's rows agree up to their query chunk, so the position predicting the first candidate
        // token has the same logits in each: its log-normaliser is computed once per prompt.
        const firstLse = new Map<number, number>();
        try {
          for (let start = 0; start < order.length; ) {
            await this.yieldToEventLoop();
            opts.signal?.throwIfAborted();
            // `size` rows, fewer when their padded length would pass SCORE_CALL_TOKENS (rows are shortest first).
            let end = start + 1;
            while (end < order.length && end - start < size && (end - start + 1) * (order[end] as Row).ids.length <= SCORE_CALL_TOKENS) end++;
            const batch = order.slice(start, end);
            start = end;
            let C = 0;
            for (const r of batch) C = Math.max(C, r.ids.length);
            if (C === 0) continue;
            // Without past broadcast, batches are padded to `size` rows (one tiled cache for all) unless that passes the budget.
            const short = !this.pastBroadcast && batch.length < size && size * C > SCORE_CALL_TOKENS;
            const fed = [...batch];
            while (!this.pastBroadcast && !short && fed.length < size) fed.push(batch[batch.length - 1] as Row);
            const ids: number[] = [];
            for (const r of fed) for (let j = 0; j < C; j++) ids.push(j < r.ids.length ? (r.ids[j] as number) : this.tokenizer.padId);
            // A batch cut short by the token budget gets a cache of its own size (tiled ones are `size` rows).
            const own = short ? pre.cache.gather(new Array<number>(fed.length).fill(0)) : undefined;
            const past = this.pastBroadcast ? pre.cache : (own ?? (tiled ??= pre.cache.gather(new Array<number>(size).fill(0))));
            let logits;
            try {
              logits = await this.rowsStep(ids, fed.length, fed.map((r) => r.image), past);
            } finally {
              own?.dispose();
            }
            batch.forEach((r, b) => {
              const t = (toks[r.prompt] as number[][])[r.cand] as number[];
              for (let j = r.q === 0 ? 1 : 0; j < t.length; j++) {
                const pos = b * C + r.q - 1 + j;
                const row = logits.data.subarray(pos * logits.V, (pos + 1) * logits.V);
                let lse = j === 0 ? firstLse.get(r.prompt) : undefined;
                if (lse === undefined) {
                  lse = logSumExp(row);
                  if (j === 0) firstLse.set(r.prompt, lse);
                }
                r.lps.push((row[t[j] as number] as number) - lse);
              }
            });
          }
        } finally {
          tiled?.dispose();
        }
        for (const r of rows) {
          const sum = r.lps.reduce((a, b) => a + b, 0);
          const t = (toks[r.prompt] as number[][])[r.cand] as number[];
          (out[r.prompt] as CandidateScore[])[r.cand] = { candidate: (candidates[r.prompt] as string[])[r.cand] as string, tokenIds: t, tokenLogProbs: r.lps, sum, mean: sum / r.lps.length };
        }
      } finally {
        pre.cache.dispose();
      }
    }
    return out;
  }

  /**
   * One lm.onnx call on R independent rows (`inputIds` row-major `[R, S]`), each attending to its own
   * image only: `visual_tokens` `[R, 1, L, D]` (zeros and `image_index` -1 for a row without one).
   * `cache`: `[n_layers, 2, R, n_heads, P, head_dim]`, or batch 1 when lm.onnx broadcasts it.
   * Returns the logits `[R, S, V]`. Only `logits` is fetched: `cache` is not advanced (callers reuse it).
   */
  private async rowsStep(inputIds: readonly number[], R: number, images: readonly (Float32Array | undefined)[], cache: KvCache) {
    const S = inputIds.length / R;
    const per = this.L * this.D;
    const vis = new Float32Array(R * per);
    const index: number[] = [];
    images.forEach((img, r) => {
      if (img) vis.set(img, r * per);
      for (let j = 0; j < S; j++) index.push(img ? 0 : -1);
    });
    this.calls.lm++;
    this.calls.lmTokens += inputIds.length;
    const out = await this.lm.run({
      input_ids: int64Tensor(this.ort, inputIds, [R, S]),
      visual_tokens: new this.ort.Tensor("float32", vis, [R, 1, this.L, this.D]),
      image_index: int64Tensor(this.ort, index, [R, S]),
      past_key_values: cache.tensor,
    }, LOGITS_FETCH);
    const logits = out.logits as OrtTensor;
    return { data: float32Data(logits), V: logits.dims[2] as number };
  }

  private assertLive(): void {
    if (this.released) throw new AppError("internal", "The model engine was released");
  }
}

function checkNames(graph: string, s: OrtSession, inputs: string[], outputs: string[]): void {
  for (const n of inputs) if (!s.inputNames.includes(n)) throw new AppError("unprocessable", `${graph}.onnx has no input "${n}" (see docs/model-format.md)`);
  for (const n of outputs) if (!s.outputNames.includes(n)) throw new AppError("unprocessable", `${graph}.onnx has no output "${n}" (see docs/model-format.md)`);
}
