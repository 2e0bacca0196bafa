/**
 * The eval CLI's JSONL format (lib/eval/dataset.ts, README "Datasets for eval"),
 * plus an optional `split` field ("pool" | "eval"). One item per line, blank
 * lines skipped; every error names the file and the line.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { EvalItemSchema } from "@/lib/eval/dataset";
import { textProblem } from "@/lib/text";
import { DATASET_ITEM_LIMITS } from "./limits";
import { SPLIT_VALUES_HINT, parseSplitValue } from "./split-value";
import type { ManifestItem } from "./types";

const ItemSchema = EvalItemSchema.extend({ split: z.string().optional() });

export function parseJsonlManifest(text: string, name: string): ManifestItem[] {
  const items: ManifestItem[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${name}:${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new AppError("bad_request", `${where}: not valid JSON (each line must be one JSON object)`);
    }
    const r = ItemSchema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      const field = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
      throw new AppError("bad_request", `${where}: ${field}${issue?.message ?? "invalid item"}`);
    }
    const { split, ...rest } = r.data;
    items.push(checkItem({ ...rest, where, ...(split === undefined ? {} : { split: splitOf(split, where) }) }));
  });
  return items;
}

function splitOf(value: string, where: string) {
  const s = parseSplitValue(value);
  if (!s) throw new AppError("bad_request", `${where}: split must be ${SPLIT_VALUES_HINT}, got "${value}"`);
  return s;
}

/** Checks shared by JSONL and CSV rows: lengths, stored text, candidates. */
export function checkItem(item: ManifestItem): ManifestItem {
  const limits = DATASET_ITEM_LIMITS;
  const text = (field: string, value: string, max: number) => {
    const problem = textProblem(value);
    if (problem) throw new AppError("bad_request", `${item.where}: ${field} ${problem}`);
    if (value.length > max) throw new AppError("bad_request", `${item.where}: ${field} is ${value.length} characters long; at most ${max} are accepted`);
  };
  text("image", item.image, limits.maxImagePathChars);
  text("answer", item.answer, limits.maxAnswerChars);
  if (item.question !== undefined) text("question", item.question, limits.maxQuestionChars);
  if (item.candidates) {
    if (item.candidates.length > limits.maxCandidates) {
      throw new AppError("bad_request", `${item.where}: candidates has ${item.candidates.length} entries; at most ${limits.maxCandidates} are accepted`);
    }
    item.candidates.forEach((c, i) => text(`candidate ${i + 1}`, c, limits.maxAnswerChars));
  }
  if (item.candidates) {
    if (!item.candidates.includes(item.answer)) throw new AppError("bad_request", `${item.where}: the answer "${item.answer}" is not among its candidates`);
    if (new Set(item.candidates).size !== item.candidates.length) throw new AppError("bad_request", `${item.where}: candidates repeat a value`);
  }
  if (item.question !== undefined && item.question.trim() === "") delete item.question;
  return item;
}
