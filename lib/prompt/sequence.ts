/**
 * The flat interleaved sequence a backend consumes: the one hand-off between
 * templates and models. Images are referred to by asset id (content hash);
 * the special tokens are explicit parts, never text, so a user typing
 * "<image>" in a text block gets those characters, not an image slot.
 */
export const IMAGE_TOKEN = "<image>";
export const END_OF_CHUNK_TOKEN = "<|endofchunk|>";

export type PromptPart =
  | { type: "text"; text: string }
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

/** Merge adjacent text parts and drop empty ones, so equal prompts compare equal. */
export function normalizeSequence(parts: PromptPart[]): PromptSequence {
  const out: PromptPart[] = [];
  for (const p of parts) {
    if (p.type === "text") {
      if (p.text === "") continue;
      const prev = out[out.length - 1];
      if (prev?.type === "text") {
        out[out.length - 1] = { type: "text", text: prev.text + p.text };
        continue;
      }
    }
    out.push(p);
  }
  return { parts: out };
}
