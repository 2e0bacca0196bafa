/** Client calls to the notebook routes. */
import { apiFetch, postJson } from "@/lib/api-client";
import type { CellRunRecord } from "@/lib/notebook/run-record";
import type { Notebook } from "@/lib/notebook/schema";
import type { CellRunDetail, NotebookDetail, NotebookSummary } from "@/lib/store/types";

const at = (id: string) => `/api/notebooks/${encodeURIComponent(id)}`;

export const listNotebooksApi = () => apiFetch<{ notebooks: NotebookSummary[] }>("/api/notebooks").then((r) => r.notebooks);

export const getNotebookApi = (id: string) => apiFetch<{ notebook: NotebookDetail }>(at(id)).then((r) => r.notebook);

export const createNotebookApi = (libraryId: string, document: Notebook, message?: string) =>
  postJson<{ notebook: NotebookDetail }>("/api/notebooks", { libraryId, document, message }).then((r) => r.notebook);

export const saveNotebookApi = (id: string, document: Notebook, baseVersion: number, message?: string) =>
  postJson<{ notebook: NotebookDetail }>(`${at(id)}/versions`, { document, baseVersion, message }).then((r) => r.notebook);

export const restoreNotebookApi = (id: string, version: number) =>
  postJson<{ notebook: NotebookDetail }>(`${at(id)}/versions/${version}/restore`, {}).then((r) => r.notebook);

export const saveRunApi = (id: string, run: CellRunRecord) => postJson<{ run: CellRunDetail }>(`${at(id)}/runs`, run).then((r) => r.run);
