/**
 * What an attention trace says, in words a newcomer can read (the trace view's summary), and which
 * demonstrations agree with an answer. Pure: unit-tested in tests/unit/trace-summary.test.ts.
 *
 * Two facts shape what is worth saying. Flamingo masks cross-attention so that text reads only the
 * image just before it: every generated token puts all its attention on the last image of the
 * prompt (the query), whatever the answer, so "attention per image" is not informative on its own.
 * The gates tanh(α) scale what each gated layer adds from the images to the frozen language model:
 * they say how far images can steer the text at all (0 = shut out, ±1 = fully through). They are
 * learned weights, the same for every token and every prompt of a model.
 */
import type { PromptSequence } from "@/lib/prompt/sequence";

export interface TraceLike {
  attentionPerImage: number[];
  gates: number[][];
}

/** A demonstration of a prompt: the images of its chunk and the answer it shows. */
export interface PromptDemonstration {
  /** 1-based, in prompt order. */
  n: number;
  images: string[];
  answer: string;
}

/**
 * The demonstrations of a rendered prompt (a chunk with an answer part, closed by `<|endofchunk|>`)
 * and the query's images (those after the last `<|endofchunk|>`).
 */
export function demonstrationsOf(prompt: PromptSequence): { demos: PromptDemonstration[]; query: string[] } {
  const demos: PromptDemonstration[] = [];
  let images: string[] = [];
  let answer: string | null = null;
  for (const p of prompt.parts) {
    if (p.type === "image") images.push(p.assetId);
    else if (p.type === "text" && p.answer) answer = (answer ?? "") + p.text;
    else if (p.type === "endOfChunk") {
      if (answer !== null) demos.push({ n: demos.length + 1, images, answer: answer.trim() });
      images = [];
      answer = null;
    }
  }
  return { demos, query: images };
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Which demonstrations show `answer` as their label, and which show another. */
export function agreeing<T extends { answer: string }>(demos: readonly T[], answer: string): { agree: T[]; disagree: T[] } {
  return { agree: demos.filter((d) => same(d.answer, answer)), disagree: demos.filter((d) => !same(d.answer, answer)) };
}

/** "#1", "#1 and #3", "#1, #2 and #4". */
export const numberList = (ns: readonly number[]): string => {
  const xs = ns.map((n) => `#${n}`);
  return xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;
};

/** One sentence on how the demonstrations relate to the chosen answer. */
export function describeAgreement(demos: readonly PromptDemonstration[], answer: string): string {
  const a = answer.trim();
  if (demos.length === 0) return `No demonstration: “${a}” comes from the model's prior alone.`;
  const { agree, disagree } = agreeing(demos, a);
  const others = [...new Set(disagree.map((d) => d.answer))];
  const otherText = disagree.length === 0 ? "" : ` ${numberList(disagree.map((d) => d.n))} ${disagree.length === 1 ? "shows" : "show"} ${others.map((o) => `“${o}”`).join(" or ")}.`;
  if (agree.length === 0) return `No demonstration has “${a}” as its answer: the model did not copy one.${otherText}`;
  if (agree.length === demos.length) return `Every demonstration has “${a}” as its answer: the model may just repeat the only answer it was shown.`;
  return `“${a}” is the answer of demonstration${agree.length === 1 ? "" : "s"} ${numberList(agree.map((d) => d.n))}.${otherText}`;
}

export interface GateRange {
  min: number;
  max: number;
  mean: number;
}

export interface GateSummary {
  layers: number;
  /** |tanh α| of the cross-attention gates. */
  xattn: GateRange;
  /** |tanh α| of the dense (feed-forward) gates. */
  dense: GateRange;
}

const range = (xs: number[]): GateRange =>
  xs.length === 0 ? { min: 0, max: 0, mean: 0 } : { min: Math.min(...xs), max: Math.max(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length };

/** How open the gates are (their magnitude: the sign only flips what is added). */
export function gateSummary(gates: readonly (readonly number[])[]): GateSummary {
  const abs = (i: number) => gates.map((row) => Math.abs(row[i] ?? 0)).filter((v) => Number.isFinite(v));
  return { layers: gates.length, xattn: range(abs(0)), dense: range(abs(1)) };
}

/** "6%", "6–8%"; below 1% "under 1%". */
export function percentRange(r: GateRange): string {
  const p = (v: number) => (v > 0 && v < 0.01 ? "under 1" : String(Math.round(v * 100)));
  const lo = p(r.min);
  const hi = p(r.max);
  return lo === hi ? `${lo}%` : `${lo}–${hi}%`;
}

/** A word for how open a gate is. */
export function openness(v: number): string {
  const a = Math.abs(v);
  if (a < 0.02) return "nearly shut";
  if (a < 0.25) return "slightly open";
  if (a < 0.6) return "half open";
  return "wide open";
}

/** The image (0-based) that received the most attention over the tokens, with its mean share; null without traces. */
export function mainImage(traces: readonly TraceLike[]): { index: number; share: number } | null {
  if (traces.length === 0) return null;
  const n = Math.max(0, ...traces.map((t) => t.attentionPerImage.length));
  if (n === 0) return null;
  const mean = Array.from({ length: n }, (_, i) => traces.reduce((acc, t) => acc + (t.attentionPerImage[i] ?? 0), 0) / traces.length);
  let index = 0;
  for (let i = 1; i < n; i++) if ((mean[i] ?? 0) > (mean[index] ?? 0)) index = i;
  return { index, share: mean[index] ?? 0 };
}

export interface TraceSummary {
  /** Where the tokens looked, and why that is always the query. */
  looked: string;
  /** How far the images can steer the text (the gates), in words. */
  gates: string;
  gate: GateSummary | null;
}

/** The summary shown above the tokens once a traced run has tokens. */
export function summarizeTrace(traces: readonly TraceLike[], imageCount: number): TraceSummary {
  const main = mainImage(traces);
  const gate = traces[0] ? gateSummary(traces[0].gates) : null;
  const last = imageCount;
  const looked =
    imageCount === 0
      ? "The prompt has no image: the answer comes from the text alone."
      : main && main.index === last - 1
        ? `Each generated token read image #${last}, the query, directly (${Math.round(main.share * 100)}% of its attention). That is Flamingo's design, the same for every answer: text reads only the image just before it. ${
            last > 1 ? `The other ${last - 1 === 1 ? "image reaches" : `${last - 1} images reach`} the answer only through the words after them (in a few-shot prompt, the demonstrations' labels).` : ""
          }`.trim()
        : main
          ? `The generated tokens read image #${main.index + 1} most (${Math.round(main.share * 100)}% of their attention).`
          : "No attention was recorded.";
  const gates = !gate
    ? "No gate values were recorded."
    : `How much the images can change the answer at all: ${gate.layers} gated layer${gate.layers === 1 ? "" : "s"} add what the text read from the image, scaled by a learned gate (0% shuts the image out, 100% lets it fully through). Here the cross-attention gates are ${percentRange(gate.xattn)} open (${openness(gate.xattn.mean)}) and the dense gates ${percentRange(gate.dense)} (${openness(gate.dense.mean)}). The gates belong to the model: the same for every token and prompt.`;
  return { looked, gates, gate };
}
