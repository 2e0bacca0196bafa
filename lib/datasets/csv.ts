/**
 * CSV manifests: a header row naming the columns `image` and `answer`
 * (required) and `question`, `candidates` (separated by "|") and `split`
 * (optional); other columns are ignored. RFC 4180 quoting: fields in double
 * quotes may hold commas, newlines and "" for a quote. Errors name the line.
 */
import { AppError } from "@/lib/errors";
import { checkItem } from "./jsonl";
import { SPLIT_VALUES_HINT, parseSplitValue } from "./split-value";
import type { ManifestItem } from "./types";

export const CSV_COLUMNS = ["image", "answer", "question", "candidates", "split"] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** Rows of fields, each with the 1-based line it starts on. */
export function parseCsvRows(text: string, name: string): { line: number; fields: string[] }[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // spreadsheet BOM
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let fieldStart = true;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
    } else if (c === '"') {
      throw new AppError("bad_request", `${name}:${line}: a quote inside an unquoted field; put the whole field in double quotes and double the quote ("")`);
    } else if (c === ",") {
      fields.push(field);
      field = "";
      fieldStart = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && src[i + 1] === "\n") i++;
      fields.push(field);
      rows.push({ line: rowLine, fields });
      fields = [];
      field = "";
      fieldStart = true;
      line++;
      rowLine = line;
    } else {
      field += c;
      fieldStart = false;
    }
  }
  if (quoted) throw new AppError("bad_request", `${name}:${rowLine}: a quoted field is never closed (missing ")`);
  if (field !== "" || fields.length > 0) {
    fields.push(field);
    rows.push({ line: rowLine, fields });
  }
  // Blank lines (a single empty field) are skipped.
  return rows.filter((r) => !(r.fields.length === 1 && r.fields[0]!.trim() === ""));
}

export function parseCsvManifest(text: string, name: string): ManifestItem[] {
  const rows = parseCsvRows(text, name);
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
