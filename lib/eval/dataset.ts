/**
 * Eval datasets: JSONL, one item per line (README "Datasets for eval"):
 * `{"image": "imgs/a.png", "question"?: "...", "answer": "dax", "candidates"?: ["dax", "wug"]}`.
 * `image` is a path relative to the JSONL file. Pure (no fs): callers read the file and images.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";

export const EvalItemSchema = z
  .object({
    image: z.string().trim().min(1, "image must be a path relative to the dataset file"),
    question: z.string().optional(),
    answer: z.string().trim().min(1, "answer must be a non-empty string"),
    candidates: z.array(z.string().trim().min(1)).min(1).optional(),
  })
  .strict();
export type EvalItem = z.infer<typeof EvalItemSchema>;

/** Parse JSONL text; blank lines are skipped. Errors name the line (1-based). */
export function parseDataset(text: string, name = "dataset"): EvalItem[] {
  const items: EvalItem[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new AppError("bad_request", `${name}:${i + 1}: not valid JSON`);
    }
    const r = EvalItemSchema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
      throw new AppError("bad_request", `${name}:${i + 1}: ${where}${issue?.message ?? "invalid item"}`);
    }
    if (/^([a-z]+:|\/|\\)/i.test(r.data.image)) throw new AppError("bad_request", `${name}:${i + 1}: image must be a relative path, got "${r.data.image}"`);
    if (r.data.candidates && !r.data.candidates.includes(r.data.answer)) {
      throw new AppError("bad_request", `${name}:${i + 1}: the answer "${r.data.answer}" is not among its candidates`);
    }
    items.push(r.data);
  });
  if (items.length === 0) throw new AppError("bad_request", `${name} has no items`);
  return items;
}

/** Rank-mode answer set of an item: its own `candidates`, else every distinct answer in the file (first-seen order). */
export function candidatesFor(item: EvalItem, items: readonly EvalItem[]): string[] {
  return item.candidates ?? [...new Set(items.map((it) => it.answer))];
}
