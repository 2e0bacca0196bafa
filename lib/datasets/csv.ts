/**
 * CSV manifests: a header row naming the columns `image` and `answer`
 * (required) and `question`, `candidates` (separated by "|") and `split`
 * (optional); other columns are ignored. RFC 4180 quoting: fields in double
 * quotes may hold commas, newlines and "" for a quote. Parsed by csv-parse
 * (its sync API); errors name the line a row starts on.
 */
import { CsvError, parse } from "csv-parse/sync";
import { AppError } from "@/lib/errors";
import { checkItem } from "./jsonl";
import { DATASET_ITEM_LIMITS } from "./limits";
import { SPLIT_VALUES_HINT, parseSplitValue } from "./split-value";
import type { ManifestItem } from "./types";

export const CSV_COLUMNS = ["image", "answer", "question", "candidates", "split"] as const;
type Column = (typeof CSV_COLUMNS)[number];

/**
 * The longest row read, in bytes: room for a question, an answer and a full list of candidates
 * (lib/datasets/limits.ts) with quoting to spare.
 */
const MAX_ROW_BYTES = 2 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

export interface CsvRow {
  /** The 1-based line the row starts on. */
  line: number;
  fields: string[];
}

/** Rows of fields, each with the 1-based line it starts on. Blank lines are skipped. */
export function parseCsvRows(text: string, name: string): CsvRow[] {
  return readCsv(text, name, Infinity).rows;
}

/** The first `keep` rows (blank lines skipped) and how many there are in all. */
function readCsv(text: string, name: string, keep: number): { rows: CsvRow[]; total: number } {
  // Parsed as UTF-8 bytes: csv-parse reports where each row ends as a byte offset, and line
  // breaks are single bytes in UTF-8, so the line a row starts on is counted from the bytes.
  const bytes = Buffer.from(text, "utf8");
  let scanned = 0;
  let line = 1;
  /** The line of the row starting at byte `offset` (offsets only grow). CRLF, LF and a lone CR each end a line. */
  const lineAt = (offset: number) => {
    for (; scanned < offset; scanned++) {
      const b = bytes[scanned];
      if (b === LF || (b === CR && bytes[scanned + 1] !== LF)) line++;
    }
    return line;
  };

  const rows: CsvRow[] = [];
  let total = 0;
  let rowStart = 0;
  try {
    parse(bytes, {
      bom: true, // spreadsheets write a BOM
      encoding: "utf8",
      delimiter: ",",
      quote: '"',
      escape: '"',
      // Any line ending, mixed in one file (a file edited on two systems); inside quotes they are text.
      record_delimiter: ["\r\n", "\n", "\r"],
      // Field counts are checked per row below, with a message naming the line.
      relax_column_count: true,
      max_record_size: MAX_ROW_BYTES,
      on_record: (fields: string[], context) => {
        const start = lineAt(rowStart);
        rowStart = context.bytes;
        // Blank lines (a single empty field) are skipped.
        if (fields.length === 1 && fields[0]!.trim() === "") return null;
        // Past `keep`, rows are only counted: a huge file costs no memory before it is refused.
        if (total++ < keep) rows.push({ line: start, fields });
        return null;
      },
    });
  } catch (e) {
    if (e instanceof CsvError) throw csvProblem(e, `${name}:${lineAt(rowStart)}`);
    throw e;
  }
  return { rows, total };
}

/** csv-parse's refusal in our words, at the line its row starts on. */
function csvProblem(e: CsvError, where: string): AppError {
  switch (e.code) {
    case "INVALID_OPENING_QUOTE":
      return new AppError("bad_request", `${where}: a quote inside an unquoted field; put the whole field in double quotes and double the quote ("")`, { cause: e });
    case "CSV_INVALID_CLOSING_QUOTE":
      return new AppError("bad_request", `${where}: text follows a closing quote; put the whole field in double quotes and double any quote inside it ("")`, { cause: e });
    case "CSV_QUOTE_NOT_CLOSED":
      return new AppError("bad_request", `${where}: a quoted field is never closed (missing ")`, { cause: e });
    case "CSV_MAX_RECORD_SIZE":
      return new AppError("payload_too_large", `${where}: the row is longer than ${MAX_ROW_BYTES / 1024 / 1024} MB`, { cause: e });
    default:
      return new AppError("bad_request", `${where}: the row cannot be read as CSV (${e.code})`, { cause: e });
  }
}

export interface CsvManifestOptions {
  /** Refuse (413) a file with more items than this; rows past it are counted, not kept. */
  maxItems?: number;
}

export function parseCsvManifest(text: string, name: string, options: CsvManifestOptions = {}): ManifestItem[] {
  const maxItems = options.maxItems ?? Infinity;
  const { rows, total } = readCsv(text, name, maxItems + 1); // the header row comes on top of the items
  if (total - 1 > maxItems) throw new AppError("payload_too_large", `${name} has ${total - 1} items; at most ${maxItems} are accepted`);
  const header = rows.shift();
  if (!header) throw new AppError("bad_request", `${name} is empty; it needs a header row with image and answer columns`);
  const index = new Map<Column, number>();
  header.fields.forEach((h, i) => {
    const key = h.trim().toLowerCase() as Column;
    if (!(CSV_COLUMNS as readonly string[]).includes(key)) return;
    if (index.has(key)) throw new AppError("bad_request", `${name}:${header.line}: the column "${key}" appears twice in the header`);
    index.set(key, i);
  });
  for (const required of ["image", "answer"] as const) {
    if (!index.has(required)) {
      throw new AppError("bad_request", `${name}:${header.line}: the header needs an "${required}" column (columns: image, answer, optional question, candidates, split); found: ${header.fields.map((f) => `"${f.trim()}"`).join(", ")}`);
    }
  }
  return rows.map(({ line, fields }) => {
    const where = `${name}:${line}`;
    if (fields.length !== header.fields.length) {
      throw new AppError("bad_request", `${where}: ${fields.length} fields, but the header has ${header.fields.length} (quote fields that contain commas)`);
    }
    const get = (c: Column) => {
      const i = index.get(c);
      return i === undefined ? "" : fields[i]!.trim();
    };
    const image = get("image");
    const answer = get("answer");
    if (!image) throw new AppError("bad_request", `${where}: image is empty`);
    if (!answer) throw new AppError("bad_request", `${where}: answer is empty`);
    const item: ManifestItem = { image, answer, where };
    const question = get("question");
    if (question) item.question = question;
    const candidates = get("candidates");
    if (candidates) {
      const list = candidates.split("|").map((s) => s.trim());
      if (list.some((s) => s === "")) throw new AppError("bad_request", `${where}: candidates has an empty entry (separate answers with "|")`);
      if (list.length > DATASET_ITEM_LIMITS.maxCandidates) {
        throw new AppError("bad_request", `${where}: candidates has ${list.length} entries; at most ${DATASET_ITEM_LIMITS.maxCandidates} are accepted`);
      }
      item.candidates = list;
    }
    const split = get("split");
    if (split) {
      const s = parseSplitValue(split);
      if (!s) throw new AppError("bad_request", `${where}: split must be ${SPLIT_VALUES_HINT}, got "${split}"`);
      item.split = s;
    }
    return checkItem(item);
  });
}
