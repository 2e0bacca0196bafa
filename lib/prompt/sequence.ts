/**
 * The flat interleaved sequence a backend consumes: the one hand-off between
 * templates and models. Images are referred to by asset id (content hash);
 * the special tokens are explicit parts, never text, so a user typing
 * "<image>" in a text block gets those characters, not an image slot.
 */
export const IMAGE_TOKEN = "<image>";
export const END_OF_CHUNK_TOKEN = "<|endofchunk|>";

export type PromptPart =
  /**
   * `answer`: this text is a demonstration's answer (render marks it). Models that read the prompt
   * as one string ignore the mark; chat engines use it to put each answer in an assistant turn.
   */
  | { type: "text"; text: string; answer?: true }
  /** Rendered as `<image>`; the model sees this image's visual tokens here. */
  | { type: "image"; assetId: string }
  /** Rendered as `<|endofchunk|>`: closes a demonstration. */
  | { type: "endOfChunk" };

export interface PromptSequence {
  parts: PromptPart[];
}

/** The exact serialised prompt, as the model's tokenizer will see it. */
export function serializePrompt(seq: PromptSequence): string {
  return seq.parts
    .map((p) => (p.type === "text" ? p.text : p.type === "image" ? IMAGE_TOKEN : END_OF_CHUNK_TOKEN))
    .join("");
}

/** Asset ids in the order the model sees them (repeats kept: one per `<image>`). */
export function imagesOf(seq: PromptSequence): string[] {
  return seq.parts.flatMap((p) => (p.type === "image" ? [p.assetId] : []));
}

/**
 * Merge adjacent text parts and drop empty ones, so equal prompts compare equal. An answer stays its
 * own part (adjacent answers merge with each other only).
 */
export function normalizeSequence(parts: PromptPart[]): PromptSequence {
  const out: PromptPart[] = [];
  for (const p of parts) {
    if (p.type === "text") {
      if (p.text === "") continue;
      const prev = out[out.length - 1];
      if (prev?.type === "text" && prev.answer === p.answer) {
        out[out.length - 1] = { ...prev, text: prev.text + p.text };
        continue;
      }
      out.push(p.answer ? { type: "text", text: p.text, answer: true } : { type: "text", text: p.text });
      continue;
    }
    out.push(p);
  }
  return { parts: out };
}

/** The same prompt without answer marks, adjacent texts merged: what a model that reads one string sees. */
export function unmarkAnswers(seq: PromptSequence): PromptSequence {
  return normalizeSequence(seq.parts.map((p) => (p.type === "text" && p.answer ? { type: "text", text: p.text } : p)));
}
