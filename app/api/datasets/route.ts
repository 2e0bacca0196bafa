import { authorize, callerOf, homeWorkspace, noWorkspace, readableWorkspaces, requireIdentified } from "@/lib/auth";
import { importDataset } from "@/lib/datasets/import";
import { DATASET_MAX_UPLOAD_BYTES, normalisePath, type UploadedFile } from "@/lib/datasets";
import { AppError } from "@/lib/errors";
import { json, parseWith, readFormLimited, route } from "@/lib/http/respond";
import { ensureDefaultLibrary } from "@/lib/store";
import { listDatasets, type DatasetTask } from "@/lib/store/datasets";
import { DatasetListQuery, ImportFields } from "./schema";

export const GET = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  const query = parseWith(DatasetListQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  if (query.libraryId) await authorize(caller, "read", { library: query.libraryId });
  return json({ datasets: await listDatasets({ ...query, workspaces: readableWorkspaces(caller) }) });
});

/**
 * Import (all or nothing), multipart: one zip, or the files of a folder / a
 * manifest with its images as repeated "file" fields, each with its relative
 * path in a "path" field in the same order (default: the file's name).
 */
export const POST = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  if (!(request.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
    throw new AppError("unsupported_media_type", 'Send the dataset as multipart/form-data: a zip, or files with their relative paths, in "file" fields');
  }
  // Counted while it streams and cut at the limit (a declared Content-Length over it is refused unread).
  // Allowed to write somewhere before a byte of the upload is read; the library is checked once the form names it.
  const home = homeWorkspace(caller);
  if (!home) throw noWorkspace();
  const form = await readFormLimited(request, DATASET_MAX_UPLOAD_BYTES, `The upload is larger than ${DATASET_MAX_UPLOAD_BYTES / 1024 / 1024} MB; split the dataset or shrink its images`);
  const text = (k: string) => {
    const v = form.get(k);
    return typeof v === "string" ? v : undefined;
  };
  const fields = parseWith(
    ImportFields,
    Object.fromEntries(["name", "description", "libraryId", "task", "manifest", "evalFraction", "evalCount", "seed"].map((k) => [k, text(k)])),
    "import form",
  );

  const blobs = form.getAll("file");
  const paths = form.getAll("path");
  if (blobs.length === 0) throw new AppError("bad_request", 'No files: send a zip, a folder, or a .jsonl/.csv with its images in "file" fields');
  if (paths.length > 0 && paths.length !== blobs.length) throw new AppError("bad_request", `${blobs.length} files but ${paths.length} paths; send one "path" per "file"`);
  const files: UploadedFile[] = [];
  for (const [i, blob] of blobs.entries()) {
    if (!(blob instanceof File)) throw new AppError("bad_request", `"file" field ${i + 1} is not a file`);
    const rawPath = typeof paths[i] === "string" && paths[i] ? (paths[i] as string) : blob.name;
    files.push({ path: normalisePath(rawPath, `file ${i + 1}`), bytes: new Uint8Array(await blob.arrayBuffer()) });
  }

  const libraryId = fields.libraryId ?? (await ensureDefaultLibrary(home)).id;
  await authorize(caller, "write", { library: libraryId });
  const dataset = await importDataset(files, { ...fields, task: fields.task as DatasetTask | undefined, libraryId });
  return json({ dataset }, { status: 201 });
});
