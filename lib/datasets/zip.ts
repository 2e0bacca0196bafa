/**
 * Zip uploads: stored and deflated entries only, no zip64, no encryption, no multi-disk archives.
 *
 * Inflating is fflate's (a maintained DEFLATE implementation). What fflate does not expose — each
 * entry's flags (encryption), its declared sizes before anything is inflated, zip64 markers — is
 * read here from the central directory, which also makes archives with data descriptors (macOS
 * Finder, streaming zippers) work. Every offset and length is checked against the file before use.
 *
 * Zip-bomb safe: the entry count and the sum of the declared sizes are checked before anything is
 * inflated, and every inflate is fed in small slices and stopped as soon as its output passes what
 * is left of the byte budget, so a header that lies about its size cannot make us allocate (or
 * spend time inflating) much more than the budget. Each entry's CRC-32 and size are checked after.
 */
import { crc32 } from "node:zlib";
import { Inflate } from "fflate";
import { AppError } from "@/lib/errors";
import { formatSize, type DatasetLimits } from "./limits";
import { isJunkPath, normalisePath } from "./paths";
import type { UploadedFile } from "./types";

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const EOCD_MIN = 22;
const CEN_MIN = 46;
const LOC_MIN = 30;
/** The zip64 extended-information extra field. */
const ZIP64_EXTRA = 0x0001;
/** General-purpose flags: 0 encrypted, 6 strong encryption, 13 encrypted central directory. */
const ENCRYPTED_FLAGS = (1 << 0) | (1 << 6) | (1 << 13);
/**
 * Compressed bytes handed to the inflater at a time. Its output per step is bounded by ~1032× this
 * (DEFLATE's best ratio), so the budget is overshot by at most ~33 MB before the check stops it;
 * smaller slices cost time on every honest archive.
 */
const INFLATE_SLICE = 32 * 1024;

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
const zip64 = (name: string, what = "zip64 archives are") => corrupt(name, `${what} not supported; make a smaller zip`);

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
    const data = readEntry(bytes, view, e, budget, zipName);
    budget -= data.byteLength;
    out.push({ path, bytes: data });
  }
  return out;
}

/** The entries the central directory lists (at most 65535 without zip64: reading them all is cheap). */
function readCentralDirectory(bytes: Uint8Array, view: DataView, zipName: string): Entry[] {
  if (bytes.length < EOCD_MIN) throw corrupt(zipName, "the file is too short");
  // The end record sits in the last 22 bytes plus a comment of at most 65535.
  let eocd = -1;
  for (let i = bytes.length - EOCD_MIN; i >= Math.max(0, bytes.length - EOCD_MIN - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(zipName, "its end-of-archive record is missing (truncated download?)");
  const disk = view.getUint16(eocd + 4, true);
  const cdDisk = view.getUint16(eocd + 6, true);
  const countOnDisk = view.getUint16(eocd + 8, true);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw zip64(zipName);
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIG) throw zip64(zipName);
  if (disk !== 0 || cdDisk !== 0 || countOnDisk !== count) throw corrupt(zipName, "archives split over several files are not supported");
  if (cdOffset + cdSize > eocd) throw corrupt(zipName, "its directory points outside the file");
  // Directory entries are at least 46 bytes each: a count the directory cannot hold is a lie.
  if (count * CEN_MIN > cdSize) throw corrupt(zipName, "its directory is shorter than its entry count");

  const end = cdOffset + cdSize;
  const names = new TextDecoder(); // UTF-8, what every current zipper writes (flagged or not)
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + CEN_MIN > end || view.getUint32(p, true) !== CEN_SIG) throw corrupt(zipName, `directory entry ${i + 1} is damaged`);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const next = p + CEN_MIN + nameLen + extraLen + commentLen;
    if (next > end) throw corrupt(zipName, `directory entry ${i + 1} is damaged`);
    const name = names.decode(bytes.subarray(p + CEN_MIN, p + CEN_MIN + nameLen));
    if (hasZip64Extra(view, p + CEN_MIN + nameLen, extraLen)) throw zip64(zipName, `"${name}" needs zip64, which is`);
    entries.push({
      name,
      flags: view.getUint16(p + 8, true),
      method: view.getUint16(p + 10, true),
      crc: view.getUint32(p + 16, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      localOffset: view.getUint32(p + 42, true),
    });
    p = next;
  }
  return entries;
}

/** Whether an extra-field block holds a zip64 record (its header/size pairs walked within bounds). */
function hasZip64Extra(view: DataView, start: number, length: number): boolean {
  for (let q = start; q + 4 <= start + length; ) {
    if (view.getUint16(q, true) === ZIP64_EXTRA) return true;
    q += 4 + view.getUint16(q + 2, true);
  }
  return false;
}

function readEntry(bytes: Uint8Array, view: DataView, e: Entry, budget: number, zipName: string): Uint8Array {
  const what = `${zipName}: "${e.name}"`;
  if (e.flags & ENCRYPTED_FLAGS) throw new AppError("bad_request", `${what} is encrypted; zip the files without a password`);
  if (e.size === 0xffffffff || e.compressedSize === 0xffffffff) throw zip64(zipName, `"${e.name}" needs zip64, which is`);
  if (e.method !== 0 && e.method !== 8) {
    throw new AppError("unsupported_media_type", `${what} uses compression method ${e.method}; only stored and deflated entries are supported (re-zip with standard settings)`);
  }
  const h = e.localOffset;
  if (h + LOC_MIN > bytes.length || view.getUint32(h, true) !== LOC_SIG) throw corrupt(zipName, `the header of "${e.name}" is damaged`);
  const start = h + LOC_MIN + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const end = start + e.compressedSize;
  if (end > bytes.length) throw corrupt(zipName, `"${e.name}" is cut off (truncated download?)`);
  const raw = bytes.subarray(start, end);

  let data: Uint8Array;
  if (e.method === 0) {
    if (raw.byteLength > budget) throw new AppError("payload_too_large", `${what} is larger than what is left of the import's ${formatSize(budget)} size limit`);
    data = raw;
  } else {
    data = inflateCapped(raw, budget, what);
  }
  if (data.byteLength !== e.size || crc32(data) >>> 0 !== e.crc >>> 0) throw new AppError("unprocessable", `${what} is corrupt: its size or checksum does not match the archive's directory`);
  return data;
}

/** Raw DEFLATE data, inflated by fflate a slice at a time and stopped as soon as the output passes `budget` bytes. */
function inflateCapped(raw: Uint8Array, budget: number, what: string): Uint8Array {
  const bomb = () =>
    new AppError("payload_too_large", `${what} unpacks to more than the ${formatSize(budget)} left of the import's size limit (a zip bomb?); make a smaller dataset.`);
  if (budget <= 0) throw bomb();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let finished = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.byteLength;
    if (total > budget) throw bomb();
    if (chunk.byteLength > 0) chunks.push(chunk);
    if (final) finished = true;
  });
  try {
    for (let at = 0; at < raw.byteLength || at === 0; at += INFLATE_SLICE) {
      const last = at + INFLATE_SLICE >= raw.byteLength;
      inflater.push(raw.subarray(at, at + INFLATE_SLICE), last);
      if (last) break;
    }
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError("unprocessable", `${what} is corrupt: its compressed data cannot be inflated`, { cause });
  }
  if (!finished) throw new AppError("unprocessable", `${what} is corrupt: its compressed data ends early`);
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
