/**
 * A vision-language model on transformers.js (`@huggingface/transformers`): SmolVLM / Idefics3, Qwen2-VL (and
 * any `AutoModelForImageTextToText` whose processor takes `(text, images)`). Loads the processor and model with
 * per-file progress, turns a PromptSequence into the model's own chat template (images in order),
 * generates with streamed tokens, stop strings, max tokens and cancel (between decode steps), and ranks
 * candidates by their exact summed log-probability from the logits, the prompt run once and its KV
 * cache shared by every candidate.
 *
 * Runs wherever transformers.js runs: the transformers.js Web Worker (worker-core.ts) and Node (tests).
 * Never imported by a page: transformers.js (and its onnxruntime-web) load only in the worker.
 */
import {
  AutoModelForImageTextToText,
  AutoProcessor,
  BaseStreamer,
  DynamicCache,
  LogitsProcessor,
  LogitsProcessorList,
  RawImage,
  StoppingCriteria,
  Tensor,
  cat,
  env,
  random,
  type ProgressInfo,
} from "@huggingface/transformers";
import type { CandidateScore, FinishReason, GenerateResult, TokenEvent } from "@/lib/runtime/engine";
import type { GenerateParams } from "@/lib/backends/contract";
import { imagesOf, type PromptSequence } from "@/lib/prompt/sequence";
import { toTfjsMessages, type TfjsMessage, type TfjsPromptStyle } from "./messages";
import { modelLocation, TFJS_MODULES, type TfjsDevice, type TfjsDtype, type TfjsModule } from "./settings";

/** One file's load progress (bytes), as transformers.js reports it. */
export interface TfjsFileProgress {
  file: string;
  status: "initiate" | "download" | "progress" | "done";
  loaded: number;
  total: number;
}

export interface TfjsLoadOptions {
  /** A hub id (`HuggingFaceTB/SmolVLM-256M-Instruct`), or a URL / absolute path of a folder in the same layout. */
  model: string;
  dtype?: TfjsDtype;
  /** `webgpu`, `wasm` (browser), `cpu` (Node). */
  device: TfjsDevice;
  /** Load from the hub (false: only local folders / URLs; the tests run with it off). */
  allowRemote?: boolean;
  promptStyle?: TfjsPromptStyle;
  onProgress?: (p: TfjsFileProgress) => void;
}

/** Images by asset id, as bytes (PNG, JPEG, WebP…). */
export type TfjsImageSource = (assetId: string) => Promise<Uint8Array>;

/** An error that names the file (or setting) that failed. */
export class TfjsModelError extends Error {
  readonly code = "unprocessable";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TfjsModelError";
  }
}

export const abortError = (): Error => Object.assign(new Error("The run was cancelled"), { name: "AbortError" });

// Loose views of transformers.js objects (its .d.ts types are generated from JSDoc and mostly `any`).
interface Tokenizer {
  decode(ids: number[] | bigint[], opts?: { skip_special_tokens?: boolean }): string;
  encode(text: string, opts?: { add_special_tokens?: boolean }): number[];
  (text: string | string[], opts?: Record<string, unknown>): Promise<Record<string, Tensor>> | Record<string, Tensor>;
}
interface Processor {
  tokenizer: Tokenizer;
  /** The processor's image half: one image in, its `pixel_values` (and, for Qwen2-VL, `image_grid_thw`) out. */
  image_processor?: ((image: RawImage) => Promise<Record<string, Tensor>>) & { config?: { merge_size?: number } };
  apply_chat_template(messages: TfjsMessage[], opts: { add_generation_prompt: boolean; tokenize?: false }): string;
  (text: string, images?: RawImage[] | null): Promise<Record<string, Tensor>>;
}
interface Model {
  /** Qwen2-VL: text-only RoPE positions `[3, B, S]` and rope deltas `[B, 1]` from the attention mask. */
  _get_text_only_rope_index?(inputIds: Tensor, attentionMask: Tensor | undefined): [Tensor, Tensor];
  /** Qwen2-VL's multimodal RoPE: position ids `[3, B, S]` (and rope deltas) for ids with their images' grids. */
  get_rope_index?(inputIds: Tensor, imageGridThw: Tensor | null | undefined, videoGridThw: null, attentionMask: Tensor): [Tensor, Tensor];
  config: { model_type?: string; eos_token_id?: number | number[]; text_config?: { eos_token_id?: number | number[] } };
  generation_config?: { eos_token_id?: number | number[] };
  (inputs: Record<string, unknown>): Promise<Record<string, Tensor>>;
  generate(opts: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
}

/** Which file a transformers.js error is about, when its message says so. */
function nameFile(e: unknown, model: string): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const file = /([\w./-]+\.(?:onnx|json))/.exec(msg)?.[1];
  const head = file ? `The model ${model} could not be loaded: ${file}` : `The model ${model} could not be loaded`;
  return new TfjsModelError(`${head}: ${msg}`, { cause: e });
}

export class TfjsEngine {
  private constructor(
    readonly model: string,
    readonly device: TfjsDevice,
    readonly dtype: TfjsDtype,
    private readonly processor: Processor,
    private readonly lm: Model,
    private readonly style: TfjsPromptStyle,
  ) {}

  static async load(opts: TfjsLoadOptions): Promise<TfjsEngine> {
    const loc = modelLocation(opts.model);
    env.allowRemoteModels = loc.kind === "hub" && opts.allowRemote !== false;
    env.allowLocalModels = loc.kind !== "hub";
    if (loc.kind !== "hub") env.localModelPath = loc.base;
    const dtype = opts.dtype ?? "fp32";
    const progress_callback = (p: ProgressInfo) => {
      if (!opts.onProgress || !("file" in p)) return;
      if (p.status === "progress") opts.onProgress({ file: p.file, status: "progress", loaded: p.loaded, total: p.total });
      else if (p.status === "initiate" || p.status === "download" || p.status === "done") opts.onProgress({ file: p.file, status: p.status, loaded: 0, total: 0 });
    };
    let processor: Processor;
    let lm: Model;
    try {
      processor = (await AutoProcessor.from_pretrained(loc.id, { progress_callback })) as unknown as Processor;
    } catch (e) {
      throw nameFile(e, opts.model);
    }
    if (typeof processor.apply_chat_template !== "function" || !processor.tokenizer) throw new TfjsModelError(`The model ${opts.model} has no tokenizer with a chat template (tokenizer_config.json)`);
    try {
      // The image-text-to-text mapping covers both families: idefics3 / smolvlm and qwen2_vl.
      lm = (await AutoModelForImageTextToText.from_pretrained(loc.id, { dtype, device: opts.device, progress_callback } as never)) as unknown as Model;
    } catch (e) {
      throw nameFile(e, opts.model);
    }
    fixTextOnlyRopeDeltas(lm);
    return new TfjsEngine(opts.model, opts.device, dtype, processor, lm, opts.promptStyle ?? "turns");
  }

  /**
   * Qwen2-VL-style models (patches on a grid, one `<|image_pad|>` per image in the template, expanded to
   * t·h·w / merge² tokens). transformers.js 4.3's Qwen2VLImageProcessor only handles one image per call (it tiles
   * time for a batch of exactly one), so the engine processes each image alone and expands the text itself.
   */
  private get gridImages(): boolean {
    return GRID_IMAGE_MODELS.has(this.lm.config.model_type ?? "") && typeof this.processor.image_processor === "function";
  }

  get executionProvider(): string {
    return this.device;
  }

  async release(): Promise<void> {
    await this.lm.dispose();
  }

  /** The exact text the model sees (before each `<image>` is expanded to its visual tokens). */
  renderPrompt(prompt: PromptSequence): string {
    return this.processor.apply_chat_template(toTfjsMessages(prompt, this.style), { add_generation_prompt: true, tokenize: false });
  }

  /**
   * What the chat template writes around an assistant answer: `separator` between the generation prompt and
   * the answer (SmolVLM: " "), and `closing` after it (SmolVLM: `<end_of_utterance>`, trailing whitespace cut).
   */
  answerFrame(prompt: PromptSequence): { separator: string; closing: string } {
    const SENTINEL = "\u0001ANSWER\u0001";
    const messages = toTfjsMessages(prompt, this.style);
    const open = this.processor.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false });
    const full = this.processor.apply_chat_template([...messages, { role: "assistant", content: [{ type: "text", text: SENTINEL }] }], { add_generation_prompt: false, tokenize: false });
    const at = full.indexOf(SENTINEL);
    if (!full.startsWith(open) || at < open.length) return { separator: "", closing: "" };
    return { separator: full.slice(open.length, at), closing: full.slice(at + SENTINEL.length).trimEnd() };
  }

  private async inputs(prompt: PromptSequence, images: TfjsImageSource, suffix = ""): Promise<{ inputs: Record<string, Tensor>; count: number }> {
    const text = this.renderPrompt(prompt) + suffix;
    const ids = imagesOf(prompt);
    if (ids.length === 0) {
      const inputs = await this.processor.tokenizer(text, { add_special_tokens: false });
      return { inputs, count: 0 };
    }
    const raw = await Promise.all(ids.map(async (id) => RawImage.fromBlob(new Blob([(await images(id)) as Uint8Array<ArrayBuffer>]))));
    return { inputs: this.gridImages ? await this.gridInputs(text, raw) : await this.processor(text, raw), count: raw.length };
  }

  /**
   * What Qwen2VLProcessor gives for several images: each image's patches `[t·h·w, C·T·P·P]` concatenated in prompt
   * order as `pixel_values`, their grids `[N, 3]` as `image_grid_thw`, and the text with the k-th `<|image_pad|>`
   * repeated t·h·w / merge² times, tokenized.
   */
  private async gridInputs(text: string, raw: RawImage[]): Promise<Record<string, Tensor>> {
    const imageProcessor = this.processor.image_processor!;
    const per = [];
    for (const r of raw) per.push(await imageProcessor(r));
    const grids = per.map((p) => Array.from(p.image_grid_thw!.data as BigInt64Array, Number));
    const merge = (imageProcessor.config?.merge_size ?? 2) ** 2;
    const pad = (this.processor.constructor as { image_token?: string }).image_token ?? "<|image_pad|>";
    const pieces = text.split(pad);
    if (pieces.length - 1 !== raw.length) throw new TfjsModelError(`The prompt has ${pieces.length - 1} image placeholders (${pad}) for ${raw.length} images`);
    const expanded = pieces.reduce((acc, piece, i) => acc + pad.repeat(Math.floor(grids[i - 1]!.reduce((a, b) => a * b, 1) / merge)) + piece);
    const textInputs = await this.processor.tokenizer([expanded]);
    return { ...textInputs, pixel_values: cat(per.map((p) => p.pixel_values!), 0), image_grid_thw: cat(per.map((p) => p.image_grid_thw!), 0) };
  }

  /** Token ids of the templated prompt (parity tests). */
  async promptIds(prompt: PromptSequence, images: TfjsImageSource): Promise<number[]> {
    const { inputs } = await this.inputs(prompt, images);
    return Array.from(inputs.input_ids!.data as BigInt64Array, Number);
  }

  private eosIds(): Set<number> {
    const e = this.lm.generation_config?.eos_token_id ?? this.lm.config.eos_token_id ?? this.lm.config.text_config?.eos_token_id;
    return new Set(e === undefined ? [] : Array.isArray(e) ? e : [e]);
  }

  /**
   * Generate a continuation: greedy (or sampled with temperature / top-p), up to `maxTokens`, stopping at the
   * model's end token or a stop string; `signal` cancels between decode steps (AbortError). `onLogits` gets the
   * raw next-token logits of every step (parity tests).
   */
  async generate(
    prompt: PromptSequence,
    images: TfjsImageSource,
    params: GenerateParams,
    hooks: { signal?: AbortSignal; onToken?: (e: TokenEvent) => void; onLogits?: (step: number, logits: Float32Array) => void } = {},
  ): Promise<GenerateResult> {
    if (hooks.signal?.aborted) throw abortError();
    if ((params.numBeams ?? 1) > 1) throw new TfjsModelError("Beam search is not offered by transformers.js engines");
    const t0 = performance.now();
    const { inputs, count } = await this.inputs(prompt, images);
    const promptTokens = inputs.input_ids!.dims.at(-1) ?? 0;
    const encodeMs = performance.now() - t0;
    const tokenizer = this.processor.tokenizer;
    const eos = this.eosIds();
    const maxTokens = params.maxTokens ?? 20;
    const stops = (params.stop ?? []).filter((s) => s !== "");
    const generated: number[] = [];
    let text = "";
    let released = 0;
    let finish: FinishReason = "max_tokens";
    let halted = false;
    let firstTokenAt = 0;
    let step = 0;
    let lastLogits: Float32Array | undefined;

    const capture = new (class extends LogitsProcessor {
      override _call(_ids: bigint[][], logits: Tensor): Tensor {
        const row = new Float32Array((logits.data as Float32Array).subarray(0, logits.dims.at(-1)));
        lastLogits = row;
        hooks.onLogits?.(step, row);
        return logits;
      }
    })();
    const criteria = new (class extends StoppingCriteria {
      override _call(ids: number[][]): boolean[] {
        return ids.map(() => halted || hooks.signal?.aborted === true);
      }
    })();
    const onToken = (id: number) => {
      if (step === 0) firstTokenAt = performance.now();
      const index = step++;
      const event: TokenEvent = { index, tokenId: id, text: "" };
      // Every token carries its log-prob (raw logits, natural log): cheap next to a decode step.
      if (lastLogits) event.logprob = logSoftmaxAt(lastLogits, id);
      if (eos.has(id)) {
        finish = "stop_token";
        halted = true;
        hooks.onToken?.({ ...event, stop: true });
        return;
      }
      generated.push(id);
      const full = tokenizer.decode(generated, { skip_special_tokens: true });
      // Hold back a trailing U+FFFD (an incomplete UTF-8 sequence) and any text a stop string could still start with.
      let cut = full.endsWith("\uFFFD") ? full.length - 1 : full.length;
      for (const s of stops) {
        const at = full.indexOf(s, Math.max(0, released - s.length + 1));
        if (at >= 0) {
          finish = "stop_string";
          halted = true;
          cut = Math.min(cut, at);
        }
      }
      if (!halted) for (const s of stops) for (let k = Math.min(s.length - 1, full.length); k > 0; k--) if (full.endsWith(s.slice(0, k))) { cut = Math.min(cut, full.length - k); break; }
      text = halted ? full.slice(0, cut) : full;
      if (halted || generated.length >= maxTokens) cut = text.length;
      event.text = cut > released ? full.slice(released, cut) : "";
      released = Math.max(released, cut);
      hooks.onToken?.(event);
    };
    const streamer = new (class extends BaseStreamer {
      private prompt = true;
      override put(value: bigint[][]): void {
        if (this.prompt) {
          this.prompt = false;
          return;
        }
        onToken(Number(value[0]![0]));
      }
      override end(): void {}
    })();

    // onnxruntime-web's WASM kernels resolve in microtasks: without a macrotask between decode steps a
    // worker would never see the cancel message until the generation ended.
    const lm = this.lm as unknown as { forward(inputs: unknown): Promise<unknown> };
    const forward = lm.forward;
    lm.forward = async (x: unknown) => {
      await macrotask();
      if (hooks.signal?.aborted) halted = true;
      return forward.call(this.lm, x);
    };
    const sampling = (params.temperature ?? 0) > 0;
    // Seeded sampling: transformers.js samples from its own seedable generator.
    if (sampling) random.seed(params.seed);
    const processors = new LogitsProcessorList();
    processors.push(capture);
    try {
      await this.lm.generate({
        ...inputs,
        max_new_tokens: maxTokens,
        do_sample: sampling,
        ...(sampling ? { temperature: params.temperature, top_p: params.topP ?? 1 } : {}),
        logits_processor: processors,
        stopping_criteria: [criteria],
        streamer,
      });
    } finally {
      lm.forward = forward;
    }
    if (hooks.signal?.aborted) throw abortError();
    const end = performance.now();
    const decodeMs = firstTokenAt ? end - firstTokenAt : 0;
    return {
      text: finish === "max_tokens" ? tokenizer.decode(generated, { skip_special_tokens: true }) : text,
      tokenIds: generated,
      finishReason: finish,
      usage: { promptTokens, completionTokens: step, images: count },
      timings: {
        encodeMs,
        prefillMs: firstTokenAt ? firstTokenAt - t0 - encodeMs : 0,
        decodeMs,
        tokensPerSecond: step > 1 && decodeMs > 0 ? ((step - 1) * 1000) / decodeMs : 0,
      },
      executionProvider: this.device,
    };
  }

  /**
   * Rank candidates by exact summed log-probability: the templated prompt runs once (images encoded once), and
   * each candidate's tokens run on its KV cache. A candidate is scored as the chat template writes an answer:
   * separator + candidate (+ the closing token, unless `appendEnd` is false).
   */
  async score(prompt: PromptSequence, images: TfjsImageSource, candidates: readonly string[], opts: { signal?: AbortSignal; appendEnd?: boolean } = {}): Promise<CandidateScore[]> {
    if (opts.signal?.aborted) throw abortError();
    const frame = this.answerFrame(prompt);
    const { inputs } = await this.inputs(prompt, images);
    const promptLen = inputs.input_ids!.dims.at(-1) ?? 0;
    const out = await this.lm(inputs);
    const logits = out.logits!;
    const V = logits.dims.at(-1)!;
    const lastRow = new Float32Array((logits.data as Float32Array).subarray((promptLen - 1) * V, promptLen * V));
    const presents: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(out)) if (k.startsWith("present")) presents[k.replace("present", "past_key_values")] = v;
    const scores: CandidateScore[] = [];
    try {
      for (const candidate of candidates) {
        if (opts.signal?.aborted) throw abortError();
        const ids = this.processor.tokenizer.encode(frame.separator + candidate + (opts.appendEnd === false ? "" : frame.closing), { add_special_tokens: false });
        const lps: number[] = [];
        if (ids.length > 0) {
          lps.push(logSoftmaxAt(lastRow, ids[0]!));
          if (ids.length > 1) {
            const cache = new DynamicCache({ ...presents });
            const c = await this.lm({
              input_ids: new Tensor("int64", BigInt64Array.from(ids.slice(0, -1), BigInt), [1, ids.length - 1]),
              attention_mask: new Tensor("int64", new BigInt64Array(promptLen + ids.length - 1).fill(1n), [1, promptLen + ids.length - 1]),
              past_key_values: cache,
              ...this.continuationPositions(inputs, ids.slice(0, -1)),
            });
            const cl = c.logits!.data as Float32Array;
            for (let j = 1; j < ids.length; j++) lps.push(logSoftmaxAt(cl.subarray((j - 1) * V, j * V), ids[j]!));
            for (const [k, v] of Object.entries(c)) if (k.startsWith("present") || k === "logits") void v.dispose?.();
          }
        }
        const sum = lps.reduce((a, b) => a + b, 0);
        scores.push({ candidate, tokenIds: ids, tokenLogProbs: lps, sum, mean: lps.length ? sum / lps.length : 0 });
      }
    } finally {
      for (const v of Object.values(out)) void v.dispose?.();
    }
    return scores;
  }

  /**
   * `position_ids` of tokens that continue a prompt on its KV cache, for models whose positions are not the token
   * index: Qwen2-VL's multimodal RoPE gives an image's tokens 2-D grid positions, so the text after it continues from
   * the largest of them + 1. Computed over prompt + continuation and sliced to the continuation: `[3, 1, n]`.
   * Other models: none (transformers.js derives them from the attention mask).
   */
  private continuationPositions(prompt: Record<string, Tensor>, next: readonly number[]): { position_ids?: Tensor } {
    if (typeof this.lm.get_rope_index !== "function" || next.length === 0) return {};
    const promptIds = Array.from(prompt.input_ids!.data as BigInt64Array);
    const all = [...promptIds, ...next.map(BigInt)];
    const ids = new Tensor("int64", BigInt64Array.from(all), [1, all.length]);
    const mask = new Tensor("int64", new BigInt64Array(all.length).fill(1n), [1, all.length]);
    const [positions] = this.lm.get_rope_index(ids, prompt.image_grid_thw, null, mask);
    return { position_ids: positions.slice(null, null, [promptIds.length, all.length]) };
  }

  /** The modules this engine loads (for size and cache listings). */
  static modules(): readonly TfjsModule[] {
    return TFJS_MODULES;
  }
}

/** Model types whose images are patch grids expanded from one placeholder each (Qwen2-VL and its successor). */
const GRID_IMAGE_MODELS = new Set(["qwen2_vl", "qwen2_5_vl"]);

/**
 * transformers.js 4.3's Qwen2-VL text-only RoPE deltas are `max(position) + 1 + S` where the reference (HF
 * `get_rope_index`) has `max(position) + 1 − S`, so from the second generated token of a prompt without images every
 * position is off by 2·S. The positions themselves are right; the deltas are recomputed from them.
 */
function fixTextOnlyRopeDeltas(lm: Model): void {
  const original = lm._get_text_only_rope_index;
  if (typeof original !== "function") return;
  lm._get_text_only_rope_index = (inputIds, attentionMask) => {
    const [positions, deltas] = original.call(lm, inputIds, attentionMask);
    const [, B, S] = positions.dims as [number, number, number];
    const pos = positions.data as BigInt64Array;
    const fixed = new BigInt64Array(B);
    for (let b = 0; b < B; b++) {
      let max = pos[b * S] ?? 0n;
      for (let i = 1; i < S; i++) if (pos[b * S + i]! > max) max = pos[b * S + i]!;
      fixed[b] = max + 1n - BigInt(S);
    }
    return [positions, new Tensor("int64", fixed, deltas.dims)];
  };
}

/** Let other tasks (a worker's messages) run: a MessageChannel round trip in browsers, setImmediate in Node. */
function macrotask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === "function") return new Promise((r) => g.setImmediate!(r));
  if (typeof MessageChannel !== "undefined") {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

/** log softmax(logits)[id], in float64. */
export function logSoftmaxAt(logits: ArrayLike<number>, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let s = 0;
  for (let i = 0; i < logits.length; i++) s += Math.exp(logits[i]! - max);
  return logits[id]! - max - Math.log(s);
}
