/**
 * A small, defensive zip reader (stored and deflated entries, no zip64, no
 * encryption) built on node:zlib. It reads the central directory, so archives
 * with data descriptors (macOS Finder, streaming zippers) work too.
 *
 * Zip-bomb safe: the entry count is capped before anything is inflated, the
 * declared sizes are summed against the byte budget, and every inflate runs
 * with `maxOutputLength` set to what is left of the budget, so a header that
 * lies about its size still cannot make us allocate more than the budget.
 * Each entry's CRC-32 and size are checked after inflating.
 */
import { crc32, inflateRawSync } from "node:zlib";
import { AppError } from "@/lib/errors";
import { formatSize, type DatasetLimits } from "./limits";
import { isJunkPath, normalisePath } from "./paths";
import type { UploadedFile } from "./types";

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const EOCD_MIN = 22;

/** Zip files start with a local header (or are an empty archive). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}

interface Entry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const corrupt = (name: string, why: string) => new AppError("unprocessable", `${name} is not a readable zip archive: ${why}`);

/** Every file in the archive (folders and __MACOSX/.DS_Store clutter left out), with normalised paths. */
export function readZip(bytes: Uint8Array, limits: Pick<DatasetLimits, "maxFiles" | "maxTotalBytes">, zipName = "The zip"): UploadedFile[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = readCentralDirectory(bytes, view, zipName);

  const files = entries.filter((e) => !e.name.endsWith("/") && !isJunkPath(e.name));
  if (files.length > limits.maxFiles) {
    throw new AppError("payload_too_large", `${zipName} holds ${files.length} files; at most ${limits.maxFiles} are accepted.`);
  }
  const declared = files.reduce((s, e) => s + e.size, 0);
  if (declared > limits.maxTotalBytes) {
    throw new AppError("payload_too_large", `${zipName} unpacks to ${formatSize(declared)}; at most ${formatSize(limits.maxTotalBytes)} are accepted.`);
  }

  let budget = limits.maxTotalBytes;
  const out: UploadedFile[] = [];
  for (const e of files) {
    const path = normalisePath(e.name, `${zipName}: entry "${e.name}"`);
    const data = inflateEntry(bytes, view, e, budget, zipName);
    budget -= data.byteLength;
    out.push({ path, bytes: data });
  }
  return out;
}

function readCentralDirectory(bytes: Uint8Array, view: DataView, zipName: string): Entry[] {
  if (bytes.length < EOCD_MIN) throw corrupt(zipName, "the file is too short");
  let eocd = -1;
  for (let i = bytes.length - EOCD_MIN; i >= Math.max(0, bytes.length - EOCD_MIN - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(zipName, "its end-of-archive record is missing (truncated download?)");
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) throw corrupt(zipName, "zip64 archives are not supported; make a smaller zip");
  if (cdOffset + cdSize > eocd) throw corrupt(zipName, "its directory points outside the file");

  const entries: Entry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || view.getUint32(p, true) !== CEN_SIG) throw corrupt(zipName, `directory entry ${i + 1} is damaged`);
    const flags = view.getUint16(p + 8, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    entries.push({
      name,
      flags,
      method: view.getUint16(p + 10, true),
      crc: view.getUint32(p + 16, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      localOffset: view.getUint32(p + 42, true),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function inflateEntry(bytes: Uint8Array, view: DataView, e: Entry, budget: number, zipName: string): Uint8Array {
  const what = `${zipName}: "${e.name}"`;
  if (e.flags & 1) throw new AppError("bad_request", `${what} is encrypted; zip the files without a password`);
  if (e.size === 0xffffffff || e.compressedSize === 0xffffffff) throw corrupt(zipName, `"${e.name}" needs zip64, which is not supported`);
  const h = e.localOffset;
  if (h + 30 > bytes.length || view.getUint32(h, true) !== LOC_SIG) throw corrupt(zipName, `the header of "${e.name}" is damaged`);
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const end = start + e.compressedSize;
  if (end > bytes.length) throw corrupt(zipName, `"${e.name}" is cut off (truncated download?)`);
  const raw = bytes.subarray(start, end);

  let data: Uint8Array;
  if (e.method === 0) {
    data = raw;
  } else if (e.method === 8) {
    const bomb = () =>
      new AppError("payload_too_large", `${what} unpacks to more than the ${formatSize(budget)} left of the import's size limit (a zip bomb?); make a smaller dataset.`);
    if (budget <= 0) throw bomb();
    try {
      data = new Uint8Array(inflateRawSync(raw, { maxOutputLength: budget }));
    } catch (cause) {
      if ((cause as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || cause instanceof RangeError) throw bomb();
      throw new AppError("unprocessable", `${what} is corrupt: its compressed data cannot be inflated`, { cause });
    }
  } else {
    throw new AppError("unsupported_media_type", `${what} uses compression method ${e.method}; only stored and deflated entries are supported (re-zip with standard settings)`);
  }
  if (data.byteLength > budget) throw new AppError("payload_too_large", `${what} is larger than what is left of the import's ${formatSize(budget)} size limit`);
  if (data.byteLength !== e.size || crc32(data) >>> 0 !== e.crc >>> 0) throw new AppError("unprocessable", `${what} is corrupt: its size or checksum does not match the archive's directory`);
  return data;
}
