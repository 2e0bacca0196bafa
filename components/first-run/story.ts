/**
 * The home page's first-run demo, as pure functions: the bundled example rendered at 0, 1 and 4
 * shots (render keeps the last N demonstrations), the ranking of each answer, and the sentences
 * that say what changed — written from the answers the model actually gave, never assumed.
 * No React, no fetch: unit-tested in tests/unit/first-run.test.ts.
 */
import { render } from "@/lib/prompt/render";
import type { Template } from "@/lib/prompt/schema";
import type { PromptSequence } from "@/lib/prompt/sequence";

/** The shot counts the demo compares. */
export const FIRST_RUN_SHOTS: readonly number[] = [0, 1, 4];

/** One image of the demo as shown: its asset and what it shows. */
export interface ShownImage {
  assetId: string;
  alt: string;
}

/** A demonstration kept in the prompt: its image(s) and the label it shows. */
export interface Demonstration {
  images: ShownImage[];
  answer: string;
}

export interface FirstRunStep {
  shots: number;
  /** What POST /api/score gets. */
  prompt: PromptSequence;
  /** The demonstrations left in the prompt, in prompt order. */
  demos: Demonstration[];
  /** The query's image(s). */
  query: ShownImage[];
}

const imagesOf = (blocks: Template["query"]["blocks"]): ShownImage[] =>
  blocks.flatMap((b) => (b.type === "image" && b.source.kind === "asset" ? [{ assetId: b.source.assetId, alt: b.alt ?? "" }] : []));

/**
 * The template at each shot count (its last `shots` demonstrations, as render keeps them), with the
 * demonstrations and query images to show beside the answer. Counts above the template's shots are
 * clamped (an edited template with fewer shots still runs).
 */
export function firstRunSteps(template: Template, shotCounts: readonly number[] = FIRST_RUN_SHOTS): FirstRunStep[] {
  const counts = [...new Set(shotCounts.map((n) => Math.max(0, Math.min(n, template.shots.length))))];
  return counts.map((shots) => {
    const kept = template.shots.slice(template.shots.length - shots);
    return {
      shots,
      prompt: render(template, {}, { shots }),
      demos: kept.map((s) => ({ images: imagesOf(s.blocks), answer: s.answer.trim() })),
      query: imagesOf(template.query.blocks),
    };
  });
}

/** The candidates to rank: the demonstrations' distinct answers, in first-seen order. */
export function candidatesOf(template: Pick<Template, "shots">): string[] {
  return [...new Set(template.shots.map((s) => s.answer.trim()).filter((a) => a.length > 0))];
}

/** One candidate's row of the ranking bars. */
export interface RankedAnswer {
  candidate: string;
  /** Summed log-likelihood (−∞ when the engine gave none). */
  sum: number;
  /** Share of the probability among the candidates (softmax of the sums), 0..1. */
  share: number;
  best: boolean;
}

/** What POST /api/score answers with (the part used here); sums are null over JSON when −∞. */
export interface ScoreAnswer {
  scores: { candidate: string; sum: number | null }[];
}

/** Rows in the given order, shares summing to 1, the highest sum marked best (the first of a tie). */
export function rankAnswers(answer: ScoreAnswer): RankedAnswer[] {
  const rows = answer.scores.map((s) => ({ candidate: s.candidate, sum: s.sum === null || !Number.isFinite(s.sum) ? Number.NEGATIVE_INFINITY : s.sum }));
  if (rows.length === 0) return [];
  const max = Math.max(...rows.map((r) => r.sum));
  if (max === Number.NEGATIVE_INFINITY) return rows.map((r) => ({ ...r, share: 0, best: false }));
  const z = rows.reduce((acc, r) => acc + Math.exp(r.sum - max), 0);
  const best = rows.findIndex((r) => r.sum === max);
  return rows.map((r, i) => ({ ...r, share: Math.exp(r.sum - max) / z, best: i === best }));
}

export const chosenOf = (rows: readonly RankedAnswer[]): RankedAnswer | undefined => rows.find((r) => r.best);

/** Demonstrations (1-based positions in the prompt) whose label is `answer`, and those whose label is not. */
export function agreement(demos: readonly Demonstration[], answer: string): { agree: number[]; disagree: number[] } {
  const same = (a: string) => a.trim().toLowerCase() === answer.trim().toLowerCase();
  return {
    agree: demos.flatMap((d, i) => (same(d.answer) ? [i + 1] : [])),
    disagree: demos.flatMap((d, i) => (same(d.answer) ? [] : [i + 1])),
  };
}

const lower = (alt: string) => (alt ? alt.charAt(0).toLowerCase() + alt.slice(1) : "an image");
const quote = (s: string) => `“${s}”`;
const pct = (share: number) => `${Math.round(share * 100)}%`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** "a", "a and b", "a, b and c". */
export const andList = (xs: readonly string[]): string => (xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);

export interface StepOutcome {
  step: Pick<FirstRunStep, "shots" | "demos" | "query">;
  rows: RankedAnswer[];
}

/**
 * One sentence per shot count on what the model did and why, from its actual answers, and a
 * headline. `expected` is the right label of the query (the example's cat is a "dax"); without it
 * the sentences say what the model chose, not whether it was right.
 */
export function explainOutcomes(outcomes: readonly StepOutcome[], expected?: string): { headline: string; sentences: string[] } {
  const right = (a: string | undefined) => expected !== undefined && a !== undefined && a.trim().toLowerCase() === expected.trim().toLowerCase();
  const words = [...new Set(outcomes.flatMap((o) => o.rows.map((r) => r.candidate)))];
  const sentences = outcomes.map(({ step, rows }) => {
    const chosen = chosenOf(rows);
    if (!chosen) return `With ${plural(step.shots, "example")} the model gave no answer.`;
    const verdict = expected === undefined ? "" : right(chosen.candidate) ? " — right" : ` — wrong, the answer is ${quote(expected)}`;
    if (step.shots === 0) {
      return `With no example the model has only its prior between the words ${andList(words.map(quote))}: it picks ${quote(chosen.candidate)} (${pct(chosen.share)})${
        right(chosen.candidate) ? ", right by luck: it has not been told what either word means" : verdict
      }.`;
    }
    const labels = [...new Set(step.demos.map((d) => d.answer))];
    const { agree } = agreement(step.demos, chosen.candidate);
    if (step.demos.length === 1) {
      const d = step.demos[0]!;
      const shown = `${lower(d.images[0]?.alt ?? "")} labelled ${quote(d.answer)}`;
      if (agree.length === 1) {
        return right(chosen.candidate)
          ? `With one example (${shown}) one label is enough: it answers ${quote(chosen.candidate)} (${pct(chosen.share)}) — right.`
          : `With one example (${shown}) it copies the only word it has seen: ${quote(chosen.candidate)} (${pct(chosen.share)})${verdict}.`;
      }
      return `With one example (${shown}) it picks the other word, ${quote(chosen.candidate)} (${pct(chosen.share)})${verdict}: the image is not the example's kind.`;
    }
    if (labels.length > 1) {
      const counts = labels.map((l) => `${step.demos.filter((d) => d.answer === l).length} × ${quote(l)}`).join(", ");
      const which = agree.map((n) => `#${n}${step.demos[n - 1]?.images[0]?.alt ? ` (${lower(step.demos[n - 1]!.images[0]!.alt)})` : ""}`);
      return `With ${plural(step.shots, "example")} (${counts}) it answers ${quote(chosen.candidate)} (${pct(chosen.share)})${verdict}${
        right(chosen.candidate) && which.length > 0 ? `: the word of ${andList(which)}` : ""
      }.`;
    }
    return `With ${plural(step.shots, "example")}, all labelled ${quote(labels[0] ?? "")}, it answers ${quote(chosen.candidate)} (${pct(chosen.share)})${verdict}.`;
  });
  const answers = outcomes.map((o) => chosenOf(o.rows)?.candidate);
  const last = outcomes[outcomes.length - 1];
  const changed = new Set(answers).size > 1;
  const headline =
    last && right(answers[answers.length - 1])
      ? `The answer changed with the examples: ${answers.map((a, i) => `${quote(a ?? "—")} at ${outcomes[i]!.step.shots}`).join(", ")}. ${
          last.step.shots > 1 ? `With ${last.step.shots} labelled examples it learned the words from the prompt alone, without any training.` : "The example taught it the word."
        }`
      : changed
        ? `The answer changed with the examples: ${answers.map((a, i) => `${quote(a ?? "—")} at ${outcomes[i]!.step.shots}`).join(", ")}.`
        : `The answer stayed ${quote(answers[0] ?? "—")} at every shot count; the bars show how sure the model became.`;
  return { headline, sentences };
}
