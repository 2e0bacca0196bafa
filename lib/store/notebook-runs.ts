/** CellRun rows <-> DTOs. */
import "server-only";
import type { CellRunRecord } from "@/lib/notebook/run-record";
import type { CellRunBackend, CellRunDetail } from "./types";
import { iso, parseStoredJson } from "./util";

export type CellRunInput = CellRunRecord & {
  /** Import only: keep the original time. */
  createdAt?: Date;
};

interface CellRunRow {
  id: string;
  notebookId: string;
  cellId: string;
  version: number;
  backend: string;
  provider: string;
  model: string;
  params: string;
  prompt: string;
  output: string;
  timings: string;
  createdAt: Date;
  createdBy?: { name: string; email: string } | null;
}

/** Include the author's name with cell runs. */
export const withRunAuthor = { createdBy: { select: { name: true, email: true } } } as const;

export function toCellRun(row: CellRunRow): CellRunDetail {
  return {
    id: row.id,
    notebookId: row.notebookId,
    cellId: row.cellId,
    version: row.version,
    backend: row.backend as CellRunBackend,
    provider: row.provider,
    model: row.model,
    params: parseStoredJson(row.params),
    prompt: parseStoredJson(row.prompt),
    output: parseStoredJson(row.output),
    timings: parseStoredJson(row.timings),
    createdAt: iso(row.createdAt),
    createdBy: row.createdBy ? row.createdBy.name || row.createdBy.email : null,
  };
}
