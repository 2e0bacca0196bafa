/**
 * How a stored template lays out a sweep's prompts (the mapping rule).
 *
 * A sweep prompt is the template rendered (lib/prompt `render`) with the template's own shots
 * replaced by dataset items:
 *
 *   1. The template's **query** must hold exactly one image block (a fixed asset or an image
 *      variable): the item's image takes its place. Its text blocks stay as written.
 *   2. A text variable named `question` used in the query is the item's question. If the query uses
 *      it, every item needs a question; if the dataset has questions, the query must use it.
 *   3. Every other variable the preamble or query uses is a text variable with a default (the same
 *      in every prompt). Image variables may appear only as the query's one image.
 *   4. A **demonstration** is an item laid out exactly like the query (its image, its question),
 *      followed by its answer and `<|endofchunk|>`; demonstrations are joined by the template's
 *      separator, after the preamble. The template's own shots are not used: the sweep decides how
 *      many demonstrations there are and which.
 *
 * So the classification format `<image>Output:` maps an item to `<image>Output:{answer}<|endofchunk|>\n`
 * as a demonstration and `<image>Output:` as the query; the VQA format `<image>Question:{{question}} Short
 * answer:` to `<image>Question:{question} Short answer:{answer}<|endofchunk|>\n`. Templates that break a
 * rule are refused with a 400 that names it.
 */
import { AppError } from "@/lib/errors";
import { render, type Bindings } from "@/lib/prompt/render";
import type { Block, Template } from "@/lib/prompt/schema";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { variablesInText } from "@/lib/prompt/variables";

export const QUESTION_VARIABLE = "question";

/** What a sweep needs of a dataset item to lay it out. */
export interface LayoutItem {
  assetId: string;
  question: string | null;
  answer: string;
}

export interface SweepLayout {
  /** Whether the query uses `{{question}}`. */
  usesQuestion: boolean;
  /** Images of the preamble (fixed assets), counted against the per-prompt image limit. */
  preambleImages: number;
  /** The prompt: the preamble, `demos` as demonstrations in order, then `query` left open. */
  prompt(demos: readonly LayoutItem[], query: LayoutItem): PromptSequence;
}

const unmappable = (why: string) =>
  new AppError("bad_request", `This template cannot lay out a sweep: ${why}. A sweep template needs a query with exactly one image (each dataset item's image goes there) and, for datasets with questions, {{question}} in the query's text.`);

/** Check the template against the rule above and return its layout; throws a 400 AppError naming the broken rule. */
export function sweepLayout(template: Template): SweepLayout {
  const images = template.query.blocks.filter((b) => b.type === "image");
  if (images.length !== 1) throw unmappable(`its query has ${images.length} images`);
  const kinds = new Map(template.variables.map((v) => [v.name, v]));
  const textVars = (blocks: Block[]) => blocks.flatMap((b) => (b.type === "text" ? variablesInText(b.text) : []));
  const usesQuestion = textVars(template.query.blocks).includes(QUESTION_VARIABLE);
  if (textVars(template.preamble).includes(QUESTION_VARIABLE)) throw unmappable("its preamble uses {{question}}, which changes with every item; move it into the query");
  for (const name of new Set([...textVars(template.preamble), ...textVars(template.query.blocks)])) {
    if (name === QUESTION_VARIABLE) continue;
    const v = kinds.get(name);
    if (v?.kind !== "text" || v.default === undefined) throw unmappable(`the variable {{${name}}} has no default value (give it one: it stays the same in every prompt of the sweep)`);
  }
  const preambleVar = template.preamble.find((b) => b.type === "image" && b.source.kind === "variable");
  if (preambleVar && preambleVar.type === "image" && preambleVar.source.kind === "variable") throw unmappable(`its preamble has the image variable "${preambleVar.source.name}"; use a fixed image there`);
  const preambleImages = template.preamble.filter((b) => b.type === "image").length;

  /** The query's blocks for one item: its image in the image slot, `{{question}}` renamed to `qName`. */
  const blocksFor = (assetId: string, qName: string): Block[] =>
    template.query.blocks.map((b) =>
      b.type === "image" ? { type: "image", source: { kind: "asset", assetId } } : { ...b, text: b.text.replace(/\{\{\s*question\s*\}\}/g, `{{${qName}}}`) },
    );
  const questionOf = (item: LayoutItem): string => {
    if (item.question === null) throw new AppError("bad_request", `The template asks a {{question}} but an item (answer "${item.answer}") has none`);
    return item.question;
  };

  return {
    usesQuestion,
    preambleImages,
    prompt(demos, query) {
      // Per-demonstration values go in through bindings (never pasted into the text), so an answer or
      // question containing "{{…}}" is taken literally.
      const bindings: Bindings = {};
      const shots = demos.map((d, i) => {
        if (usesQuestion) bindings[`__sweep_q${i}`] = questionOf(d);
        bindings[`__sweep_a${i}`] = d.answer;
        return { blocks: blocksFor(d.assetId, `__sweep_q${i}`), answer: `{{__sweep_a${i}}}` };
      });
      if (usesQuestion) bindings.__sweep_q = questionOf(query);
      return render({ ...template, shots, query: { blocks: blocksFor(query.assetId, "__sweep_q") } }, bindings);
    },
  };
}
