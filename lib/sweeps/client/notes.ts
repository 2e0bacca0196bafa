/**
 * What a comparison's chart measures, said beside it: where the demonstrations' labels come from
 * (the dataset, not the template's own shots) and what 0 and 1 shots can show. Pure: unit-tested
 * in tests/unit/sweep-notes.test.ts.
 */
import type { SweepMode } from "../types";

export interface SweepNoteInput {
  mode: SweepMode;
  shots: readonly number[];
  templateName: string | null;
  /** The answers of the template's own shots (in its version that ran), as written. */
  templateAnswers: readonly string[];
  datasetName: string;
  /** Every distinct answer of the dataset. */
  datasetAnswers: readonly string[];
  /** Rank mode: the chance accuracy of the evaluated items (1 / candidates, averaged). */
  chance?: number;
}

export interface SweepNote {
  id: "labels" | "zero" | "one";
  text: string;
}

const quoted = (xs: readonly string[], max = 4): string => {
  const shown = xs.slice(0, max).map((x) => `“${x}”`);
  const rest = xs.length - shown.length;
  const list = shown.length <= 1 ? (shown[0] ?? "") : `${shown.slice(0, -1).join(", ")}${rest > 0 ? ", " : " and "}${shown[shown.length - 1]}`;
  return rest > 0 ? `${list} and ${rest} more` : list;
};

const distinct = (xs: readonly string[]) => [...new Set(xs.map((x) => x.trim()).filter((x) => x.length > 0))];

export function sweepNotes(i: SweepNoteInput): SweepNote[] {
  const notes: SweepNote[] = [];
  const own = distinct(i.templateAnswers);
  const data = distinct(i.datasetAnswers);
  const template = i.templateName ? `“${i.templateName}”` : "The template";
  const replaced = own.filter((a) => !data.includes(a));
  notes.push({
    id: "labels",
    text:
      `The demonstrations are items of “${i.datasetName}”, labelled with the dataset's own answers${data.length > 0 ? ` (${quoted(data)})` : ""}. ` +
      `${template} gives only the layout of each example and of the question` +
      (i.templateAnswers.length > 0
        ? `: its own ${i.templateAnswers.length} ${i.templateAnswers.length === 1 ? "shot is" : "shots are"} not used${replaced.length > 0 ? `, so its words ${quoted(replaced)} appear nowhere in these prompts` : ""}.`
        : "."),
  });
  if (i.shots.includes(0)) {
    notes.push({
      id: "zero",
      text:
        i.mode === "rank"
          ? "0 shots: no demonstration at all. In rank mode this measures the model's prior between the candidate answers — which one it prefers before seeing any example — not what it learned from examples. For words it was never taught (made-up labels), that prior is arbitrary: accuracy away from chance at 0 shots is a quirk of the words, not knowledge."
          : "0 shots: no demonstration at all. The model sees only the query, with no example of what an answer looks like, so exact matches are rare.",
    });
  }
  if (i.shots.includes(1) && i.mode === "rank" && i.chance !== undefined) {
    notes.push({
      id: "one",
      text: `1 shot shows one label only. A model that copies the label it was shown is right only when the query has that label: about ${Math.round(i.chance * 100)}% of the time on a balanced set, chance. Accuracy rises once every label has been shown.`,
    });
  }
  return notes;
}
