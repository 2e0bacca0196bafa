/**
 * Chunk templates for eval prompts, in the manifest's `prompt_format` syntax:
 * `<image>Output:{label}<|endofchunk|>\n`. A demonstration is the whole chunk with its answer;
 * the query is the chunk cut right before the answer placeholder.
 */
import { AppError } from "@/lib/errors";
import { normalizeSequence, type PromptPart } from "@/lib/prompt/sequence";

export type TemplateName = "classification" | "caption" | "vqa";
export const TEMPLATE_NAMES: readonly TemplateName[] = ["classification", "caption", "vqa"];

/** The formats flamingo-mini was trained with (its manifest's `prompt_format`). */
export const DEFAULT_FORMATS: Record<TemplateName, string> = {
  classification: "<image>Output:{label}<|endofchunk|>\n",
  caption: "<image>Caption:{caption}<|endofchunk|>\n",
  vqa: "<image>Question:{question} Short answer:{answer}<|endofchunk|>\n",
};

/** The manifest key of each template (`prompt_format.captioning` for caption). */
export const MANIFEST_KEYS: Record<TemplateName, string> = { classification: "classification", caption: "captioning", vqa: "vqa" };

const ANSWER = new Set(["label", "caption", "answer"]);

export interface ChunkTemplate {
  format: string;
  /** The demonstration chunk of an item (answer included). */
  demo(item: { question?: string | undefined; answer: string }, image: string): PromptPart[];
  /** The query chunk: the same up to the answer. */
  query(item: { question?: string | undefined }, image: string): PromptPart[];
}

export function chunkTemplate(format: string): ChunkTemplate {
  const pieces = format.split(/(<image>|<\|endofchunk\|>|\{[a-z_]+\})/).filter((p) => p !== "");
  const answerAt = pieces.findIndex((p) => ANSWER.has(p.slice(1, -1)) && p.startsWith("{"));
  if (answerAt < 0) throw new AppError("bad_request", `The template "${format}" has no {label}, {caption} or {answer} placeholder`);
  if (!pieces.includes("<image>")) throw new AppError("bad_request", `The template "${format}" has no <image>`);
  const render = (upTo: number, item: { question?: string | undefined; answer?: string }, image: string): PromptPart[] => {
    const parts: PromptPart[] = [];
    for (const p of pieces.slice(0, upTo)) {
      if (p === "<image>") parts.push({ type: "image", assetId: image });
      else if (p === "<|endofchunk|>") parts.push({ type: "endOfChunk" });
      else if (p === "{question}") {
        if (item.question === undefined) throw new AppError("bad_request", `The template "${format}" needs a question on every item`);
        parts.push({ type: "text", text: item.question });
      } else if (p.startsWith("{") && ANSWER.has(p.slice(1, -1))) parts.push({ type: "text", text: item.answer ?? "" });
      else if (p.startsWith("{")) throw new AppError("bad_request", `Unknown placeholder ${p} in the template "${format}"`);
      else parts.push({ type: "text", text: p });
    }
    return normalizeSequence(parts).parts;
  };
  return {
    format,
    demo: (item, image) => render(pieces.length, item, image),
    query: (item, image) => render(answerAt, item, image),
  };
}
