/**
 * Pure edits of a notebook document (each returns a new document; the input is never mutated),
 * and what a document refers to: templates by id, images by asset id.
 */
import { assetIdsOf, type Template } from "@/lib/prompt";
import { DEFAULT_RUN_PARAMS, NOTEBOOK_FORMAT_VERSION, type Cell, type CellBindings, type CellPrompt, type Notebook, type RunParams } from "./schema";

/** A short random id for a new cell (unique within the document). */
export function newCellId(taken: Iterable<string> = []): string {
  const used = new Set(taken);
  for (;;) {
    const id = `c${Math.random().toString(36).slice(2, 10)}`;
    if (!used.has(id)) return id;
  }
}

export function emptyNotebook(name: string): Notebook {
  return { formatVersion: NOTEBOOK_FORMAT_VERSION, name, description: "", cells: [] };
}

export function makeCell(prompt: CellPrompt, taken: Iterable<string>, params: Partial<RunParams> = {}, title = ""): Cell {
  return { id: newCellId(taken), title, prompt, params: { ...DEFAULT_RUN_PARAMS, ...params } };
}

const ids = (nb: Notebook) => nb.cells.map((c) => c.id);

/** Insert `cell` at `index` (default: the end). */
export function addCell(nb: Notebook, cell: Cell, index = nb.cells.length): Notebook {
  const cells = [...nb.cells];
  cells.splice(Math.max(0, Math.min(index, cells.length)), 0, cell);
  return { ...nb, cells };
}

export function updateCell(nb: Notebook, id: string, patch: (c: Cell) => Cell): Notebook {
  let changed = false;
  const cells = nb.cells.map((c) => {
    if (c.id !== id) return c;
    const next = patch(c);
    changed ||= next !== c;
    return next;
  });
  return changed ? { ...nb, cells } : nb;
}

export function removeCell(nb: Notebook, id: string): Notebook {
  return nb.cells.some((c) => c.id === id) ? { ...nb, cells: nb.cells.filter((c) => c.id !== id) } : nb;
}

/** A copy right after the original, with a fresh id (its runs stay with the original). */
export function duplicateCell(nb: Notebook, id: string): { notebook: Notebook; id?: string } {
  const i = nb.cells.findIndex((c) => c.id === id);
  if (i < 0) return { notebook: nb };
  const copy: Cell = { ...structuredClone(nb.cells[i]!), id: newCellId(ids(nb)) };
  if (copy.title) copy.title = `${copy.title} (copy)`;
  return { notebook: addCell(nb, copy, i + 1), id: copy.id };
}

/** Move the cell `id` to position `to` (clamped). */
export function moveCell(nb: Notebook, id: string, to: number): Notebook {
  const from = nb.cells.findIndex((c) => c.id === id);
  const target = Math.max(0, Math.min(to, nb.cells.length - 1));
  if (from < 0 || from === target) return nb;
  const cells = [...nb.cells];
  const [cell] = cells.splice(from, 1);
  cells.splice(target, 0, cell!);
  return { ...nb, cells };
}

export function setBinding(bindings: CellBindings, name: string, value: CellBindings[string] | undefined): CellBindings {
  const next = { ...bindings };
  if (value === undefined || value === "") delete next[name];
  else next[name] = value;
  return next;
}

/** Template ids the cells refer to, each once, in order. */
export function templateIdsOf(nb: Notebook): string[] {
  return [...new Set(nb.cells.flatMap((c) => (c.prompt.kind === "template" ? [c.prompt.templateId] : [])))];
}

/** Images the document itself holds: inline templates' images and image bindings. */
export function notebookAssetIds(nb: Notebook): string[] {
  const out = new Set<string>();
  for (const c of nb.cells) {
    if (c.prompt.kind === "inline") for (const id of assetIdsOf(c.prompt.template as Template)) out.add(id);
    for (const v of Object.values(c.prompt.bindings)) if (typeof v !== "string") out.add(v.assetId);
  }
  return [...out];
}
