import { AppError } from "@/lib/errors";

/**
 * A path inside an upload, normalised: forward slashes, no "." segments, no
 * leading "./". Absolute paths, drive letters and ".." are refused, so a path
 * can never name anything outside the upload.
 */
export function normalisePath(raw: string, where: string): string {
  const p = raw.trim().replace(/\\/g, "/");
  if (p === "") throw new AppError("bad_request", `${where}: the path is empty`);
  if (p.startsWith("/") || /^[a-z]:/i.test(p) || /^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
    throw new AppError("bad_request", `${where}: "${raw}" must be a path relative to the dataset file, not an absolute path or URL`);
  }
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") throw new AppError("bad_request", `${where}: "${raw}" must not leave the dataset's folder ("..")`);
    parts.push(seg);
  }
  if (parts.length === 0) throw new AppError("bad_request", `${where}: "${raw}" is not a file path`);
  return parts.join("/");
}

/** The folder part of a normalised path ("" at the top). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i === -1 ? "" : path.slice(0, i);
}

export function joinPath(dir: string, rel: string): string {
  return dir ? `${dir}/${rel}` : rel;
}

/** Files that archivers and file managers add beside the real ones. */
export function isJunkPath(path: string): boolean {
  return path.split("/").some((seg) => seg === "__MACOSX" || seg.startsWith("._") || seg === ".DS_Store" || seg === "Thumbs.db");
}
