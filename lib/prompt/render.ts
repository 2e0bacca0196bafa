/**
 * render(template, bindings) -> PromptSequence: the template's shots, each
 * closed by <|endofchunk|>, joined by the separator, then the query left open
 * for the model to continue.
 */
import type { Block, Template } from "./schema";
import { normalizeSequence, type PromptPart, type PromptSequence } from "./sequence";
import { fillPlaceholders } from "./variables";

/** Run-time values: text for text variables, an asset id for image variables. */
export type Bindings = Record<string, string | { assetId: string }>;

export class RenderError extends Error {
  constructor(
    message: string,
    readonly variable: string,
  ) {
    super(message);
    this.name = "RenderError";
  }
}

export interface RenderOptions {
  /** Keep only the last `shots` demonstrations (0 = zero-shot). Default: all. */
  shots?: number;
}

export function render(template: Template, bindings: Bindings = {}, options: RenderOptions = {}): PromptSequence {
  const textValue = (name: string): string => {
    const bound = bindings[name];
    if (typeof bound === "string") return bound;
    const decl = template.variables.find((v) => v.name === name);
    if (bound === undefined && decl?.default !== undefined) return decl.default;
    if (bound !== undefined) throw new RenderError(`variable "${name}" is a text variable but was bound to an image`, name);
    throw new RenderError(`variable "${name}" has no value: bind it before running`, name);
  };
  const imageValue = (name: string): string => {
    const bound = bindings[name];
    if (bound !== undefined && typeof bound !== "string") return bound.assetId;
    if (typeof bound === "string") throw new RenderError(`variable "${name}" is an image variable but was bound to text`, name);
    throw new RenderError(`image variable "${name}" has no image: bind one before running`, name);
  };
  const blocksToParts = (blocks: Block[]): PromptPart[] =>
    blocks.map((b) =>
      b.type === "text"
        ? { type: "text", text: fillPlaceholders(b.text, textValue) }
        : { type: "image", assetId: b.source.kind === "asset" ? b.source.assetId : imageValue(b.source.name) },
    );

  const shotCount = Math.max(0, Math.min(options.shots ?? template.shots.length, template.shots.length));
  const shots = template.shots.slice(template.shots.length - shotCount);
  const parts: PromptPart[] = [...blocksToParts(template.preamble)];
  for (const shot of shots) {
    parts.push(...blocksToParts(shot.blocks));
    parts.push({ type: "text", text: fillPlaceholders(shot.answer, textValue), answer: true }, { type: "endOfChunk" });
    parts.push({ type: "text", text: template.separator });
  }
  parts.push(...blocksToParts(template.query.blocks));
  return normalizeSequence(parts);
}
