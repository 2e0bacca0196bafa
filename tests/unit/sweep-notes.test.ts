import { describe, expect, it } from "vitest";
import { sweepNotes } from "@/lib/sweeps/client/notes";

const base = {
  mode: "rank" as const,
  shots: [0, 1, 2, 4],
  templateName: "Classification with novel words (dax or blicket)",
  templateAnswers: ["dax", "blicket", "dax", "blicket"],
  datasetName: "Novel emoji (2-way)",
  datasetAnswers: ["plaste", "mot", "plaste"],
  chance: 0.5,
};

describe("how to read a comparison", () => {
  it("says the labels come from the dataset, not the template's shots", () => {
    const labels = sweepNotes(base).find((n) => n.id === "labels")!;
    expect(labels.text).toBe(
      "The demonstrations are items of “Novel emoji (2-way)”, labelled with the dataset's own answers (“plaste” and “mot”). “Classification with novel words (dax or blicket)” gives only the layout of each example and of the question: its own 4 shots are not used, so its words “dax” and “blicket” appear nowhere in these prompts.",
    );
  });

  it("says what 0 shots measures (the prior between the candidates) and why 1 shot sits at chance", () => {
    const notes = sweepNotes(base);
    expect(notes.map((n) => n.id)).toEqual(["labels", "zero", "one"]);
    expect(notes[1]!.text).toMatch(/measures the model's prior between the candidate answers/);
    expect(notes[2]!.text).toMatch(/about 50% of the time/);
  });

  it("only says what applies: no 0 or 1 shots, generate mode, no chance level", () => {
    expect(sweepNotes({ ...base, shots: [2, 4] }).map((n) => n.id)).toEqual(["labels"]);
    const gen = sweepNotes({ ...base, mode: "generate", chance: undefined });
    expect(gen.map((n) => n.id)).toEqual(["labels", "zero"]);
    expect(gen[1]!.text).toMatch(/no example of what an answer looks like/);
    expect(sweepNotes({ ...base, templateAnswers: [] })[0]!.text).toMatch(/gives only the layout of each example and of the question\.$/);
  });

  it("long answer lists are cut", () => {
    const many = sweepNotes({ ...base, datasetAnswers: ["a", "b", "c", "d", "e", "f"] })[0]!.text;
    expect(many).toContain("(“a”, “b”, “c”, “d” and 2 more)");
  });
});
