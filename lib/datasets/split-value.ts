import type { Split } from "./types";

const ALIASES: Record<string, Split> = {
  pool: "pool",
  demo: "pool",
  demos: "pool",
  demonstration: "pool",
  demonstrations: "pool",
  train: "pool",
  support: "pool",
  eval: "eval",
  evaluation: "eval",
  test: "eval",
  query: "eval",
  queries: "eval",
};

/** The split named by a `split` field/column ("pool"/"eval" and common synonyms), or undefined. */
export function parseSplitValue(raw: string): Split | undefined {
  return ALIASES[raw.trim().toLowerCase()];
}

export const SPLIT_VALUES_HINT = '"pool" (or train/demo/support) or "eval" (or test/query)';
