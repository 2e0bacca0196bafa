/**
 * Prompt sequence -> model inputs (docs/model-format.md §5), with `@huggingface/tokenizers`.
 *
 * Special tokens come only from the sequence's image / endOfChunk parts. Text parts are
 * encoded on their own (the contract: part-wise encoding equals whole-string encoding when
 * parts split at the markers) and any literal "<image>" typed by a user is kept as text:
 * the library would otherwise match it as the added token, so text is split inside each
 * such literal, at a pre-tokenizer boundary (punctuation -> letter), where the byte-level
 * BPE never merges across anyway.
 */
import { Tokenizer } from "@huggingface/tokenizers";
import { unmarkAnswers, type PromptSequence } from "@/lib/prompt/sequence";
import { AppError } from "@/lib/errors";
import type { Manifest } from "./manifest";

/** Model inputs of one prompt, before batching. */
export interface PromptInputs {
  /** `[S]` token ids. */
  inputIds: number[];
  /** `[S]` index of the immediately preceding `<image>` (0-based), -1 before the first. */
  imageIndex: number[];
  /** `[N]` asset ids in `<image>` order (repeats kept): `visual_tokens[:, k]` is image k. */
  mediaLocations: string[];
}

export class FlamingoTokenizer {
  readonly imageId: number;
  readonly endOfChunkId: number;
  readonly padId: number;
  readonly stopId: number;
  private readonly tok: Tokenizer;
  private readonly specialContents: string[];
  private readonly specialIds: Set<number>;
  private readonly memo = new Map<string, number[]>();
  /**
   * The most UTF-8 bytes of text one token can stand for (the longest vocabulary entry's UTF-8
   * length: a byte-level entry's characters are one byte each, and at least one in UTF-8), when
   * that bounds it: no normalizer (which could shrink text) and no unknown token (which could swallow
   * any run). Undefined otherwise.
   */
  readonly maxTokenBytes: number | undefined;

  constructor(tokenizerJson: unknown, tokenizerConfig: unknown, manifest: Manifest) {
    this.tok = new Tokenizer(tokenizerJson as object, (tokenizerConfig ?? {}) as object);
    this.maxTokenBytes = maxTokenBytesOf(tokenizerJson, this.tok);
    const st = manifest.special_tokens;
    this.imageId = st.image.id;
    this.endOfChunkId = st.end_of_chunk.id;
    this.padId = st.pad.id;
    this.stopId = st.stop_token_id;
    for (const t of [st.image, st.end_of_chunk, st.pad]) {
      const id = this.tok.token_to_id(t.content);
      if (id !== t.id) {
        throw new AppError("unprocessable", `tokenizer.json maps ${t.content} to ${String(id)}, the manifest says ${t.id}`);
      }
    }
    this.specialContents = [...this.tok.get_added_tokens_decoder().values()].map((t) => t.content).filter((c) => c.length > 1);
    this.specialIds = new Set(this.tok.get_added_tokens_decoder().keys());
  }

  get vocabSize(): number {
    return this.tok.get_vocab(true).size;
  }

  /** Plain text -> ids; never yields a special token, whatever the text contains. */
  encodeText(text: string): readonly number[] {
    const memo = this.memo.get(text);
    if (memo) return memo;
    const ids = this.encodeUncached(text);
    // Sweeps repeat the same chunk texts ("Output:dax", "\n") in every prompt: keep recent ones.
    if (text.length <= 256) {
      if (this.memo.size >= 4096) this.memo.clear();
      this.memo.set(text, ids);
    }
    return ids;
  }

  private encodeUncached(text: string): number[] {
    const ids: number[] = [];
    for (const piece of this.splitSpecialLiterals(text)) {
      if (piece === "") continue;
      // One by one: `ids.push(...encoded)` passes every id as an argument, and past ~120k of them
      // (64,000 "€" are 192,000 tokens) that overflows the call stack (RangeError).
      for (const id of this.tok.encode(piece, { add_special_tokens: false }).ids) ids.push(id);
    }
    return ids;
  }

  /**
   * A lower bound on `encodePrompt(seq).inputIds.length` that tokenizes nothing: each text needs at
   * least ⌈UTF-8 bytes / maxTokenBytes⌉ tokens; images and chunk ends are one each. Exact for
   * prompts without text; 0 per text when the vocabulary gives no bound (maxTokenBytes undefined).
   * Lets a prompt far over a token limit be refused before any tokenizing.
   */
  promptTokensAtLeast(seq: PromptSequence): number {
    const k = this.maxTokenBytes;
    let n = 0;
    for (const part of unmarkAnswers(seq).parts) {
      if (part.type !== "text") n++;
      else if (k !== undefined) n += Math.ceil(utf8Length(part.text) / k);
    }
    return n;
  }

  /** `PromptSequence` -> `input_ids`, `image_index`, media locations. */
  encodePrompt(seq: PromptSequence): PromptInputs {
    const inputIds: number[] = [];
    const imageIndex: number[] = [];
    const mediaLocations: string[] = [];
    let current = -1;
    // Adjacent texts (an answer after its question) are one string to the model: tokenized together.
    for (const part of unmarkAnswers(seq).parts) {
      if (part.type === "text") {
        for (const id of this.encodeText(part.text)) {
          inputIds.push(id);
          imageIndex.push(current);
        }
      } else if (part.type === "image") {
        mediaLocations.push(part.assetId);
        current = mediaLocations.length - 1;
        inputIds.push(this.imageId);
        imageIndex.push(current);
      } else {
        inputIds.push(this.endOfChunkId);
        imageIndex.push(current);
      }
    }
    return { inputIds, imageIndex, mediaLocations };
  }

  /** Ids -> text. Special tokens are kept as their literal text unless `skipSpecial`. */
  decode(ids: readonly number[], skipSpecial = false): string {
    if (ids.length === 0) return "";
    return this.tok.decode([...ids], { skip_special_tokens: skipSpecial, clean_up_tokenization_spaces: false });
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /**
   * Split `text` inside every literal occurrence of a special token's content, right before
   * its first letter/digit (e.g. "<" | "image>"), so the library cannot match the added token.
   */
  private splitSpecialLiterals(text: string): string[] {
    if (!this.specialContents.some((c) => text.includes(c))) return [text];
    const cuts: number[] = [];
    for (const content of this.specialContents) {
      const k = content.search(/[\p{L}\p{N}]/u);
      const at = k > 0 ? k : 1;
      for (let i = text.indexOf(content); i >= 0; i = text.indexOf(content, i + 1)) cuts.push(i + at);
    }
    cuts.sort((a, b) => a - b);
    const out: string[] = [];
    let from = 0;
    for (const c of cuts) {
      out.push(text.slice(from, c));
      from = c;
    }
    out.push(text.slice(from));
    return out;
  }
}

/** UTF-8 length of a JS string without encoding it (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function maxTokenBytesOf(json: unknown, tok: Tokenizer): number | undefined {
  const j = (json ?? {}) as { normalizer?: unknown; model?: { unk_token?: unknown } };
  if (j.normalizer != null || j.model?.unk_token != null) return undefined;
  let max = 0;
  for (const token of tok.get_vocab(true).keys()) max = Math.max(max, utf8Length(token));
  return max > 0 ? max : undefined;
}
