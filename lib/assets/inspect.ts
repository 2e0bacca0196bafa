/**
 * Validate an uploaded image by its content and measure it.
 *
 * Order matters: cheap checks first (size, magic bytes), then the header
 * (dimensions, so a 20000×20000 bomb is refused before any pixel is decoded),
 * then one full streaming decode, because headers of truncated or corrupt
 * files still parse fine.
 */
import "server-only";
import { createHash } from "node:crypto";
import sharp, { type Metadata } from "sharp";
import { AppError } from "@/lib/errors";
import { assetLimits, formatBytes, formatMegapixels, type AssetLimits } from "./limits";
import { SHARP_FORMAT, sniffImageType, type ImageMediaType } from "./sniff";

export interface ImageInspection {
  /** Lowercase hex SHA-256 of the bytes: the asset's content address. */
  id: string;
  mediaType: ImageMediaType;
  /** As displayed: EXIF orientation applied; the first frame of an animation. */
  width: number;
  height: number;
  byteSize: number;
}

const FORMAT_NAME: Record<ImageMediaType, string> = {
  "image/png": "PNG",
  "image/jpeg": "JPEG",
  "image/webp": "WebP",
  "image/gif": "GIF",
};

/** The IEND chunk: type and its (constant) CRC. Trailing bytes after it are tolerated. */
const PNG_IEND = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** sharp wants a Buffer; wrap without copying. */
export const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** What the cheap checks learn of an image: its type (by content) and its header (dimensions). */
export interface ImageHeader {
  mediaType: ImageMediaType;
  /** sharp's metadata of the first frame (header only, nothing decoded). */
  meta: Metadata;
  /** Human name of the format ("PNG"), for messages. */
  format: string;
}

/**
 * The checks before any pixel is decoded, in order: size (ASSET_MAX_BYTES), magic bytes, header,
 * dimensions (ASSET_MAX_MEGAPIXELS) — so a 10000×10000 bomb is refused from its header. Every image that
 * enters the server goes through here: uploads (inspectImage), `/v1` data URLs (inspectImage), and the
 * engine's decoder (lib/backends/server/sharp-decoder.ts).
 */
export async function checkImageHeader(bytes: Uint8Array, limits: Partial<AssetLimits> = {}): Promise<ImageHeader> {
  const { maxBytes, maxPixels } = { ...assetLimits(), ...limits };

  if (bytes.byteLength === 0) {
    throw new AppError("bad_request", "The upload is empty (0 bytes). Choose a PNG, JPEG, WebP or GIF image.");
  }
  if (bytes.byteLength > maxBytes) {
    throw new AppError(
      "payload_too_large",
      `The image is ${formatBytes(bytes.byteLength)}; the limit is ${formatBytes(maxBytes)} (ASSET_MAX_BYTES). Compress or resize it and upload it again.`,
    );
  }

  const mediaType = sniffImageType(bytes);
  if (!mediaType) {
    throw new AppError(
      "unsupported_media_type",
      "The file is not a PNG, JPEG, WebP or GIF image: its content matches none of these formats (the file name does not count — a text file renamed .png is rejected).",
    );
  }
  const format = FORMAT_NAME[mediaType];
  const input = asBuffer(bytes);

  // Header only. limitInputPixels is off here so that we can report the real
  // size; our own limit is applied just below, before any decoding.
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false, pages: 1 }).metadata();
  } catch (cause) {
    throw new AppError("unprocessable", `The file looks like a ${format} image but its header cannot be read: it is corrupt or truncated. Re-export the image and upload it again.`, { cause });
  }
  if (meta.format !== SHARP_FORMAT[mediaType] || !meta.width || !meta.height) {
    throw new AppError("unprocessable", `The file looks like a ${format} image but does not decode as one: it is corrupt. Re-export the image and upload it again.`);
  }

  const pixels = meta.width * meta.height;
  if (pixels > maxPixels) {
    throw new AppError(
      "payload_too_large",
      `The image is ${meta.width}×${meta.height} pixels (${formatMegapixels(pixels)}); the limit is ${formatMegapixels(maxPixels)} (ASSET_MAX_MEGAPIXELS). Resize it and upload it again.`,
    );
  }
  return { mediaType, meta, format };
}

export async function inspectImage(bytes: Uint8Array, limits: Partial<AssetLimits> = {}): Promise<ImageInspection> {
  const { maxPixels } = { ...assetLimits(), ...limits };
  const { mediaType, meta, format } = await checkImageHeader(bytes, limits);
  const input = asBuffer(bytes);

  // A full, streaming decode of the first frame: stats() reads every pixel
  // without holding the image in memory. failOn "error" rejects truncated
  // and corrupt data but tolerates harmless warnings (odd ICC profiles).
  try {
    await sharp(input, { failOn: "error", limitInputPixels: maxPixels, pages: 1, sequentialRead: true }).stats();
  } catch (cause) {
    throw new AppError("unprocessable", `The ${format} image is truncated or corrupt: its pixel data cannot be decoded. Re-export the image and upload it again.`, { cause });
  }

  // libpng accepts a PNG cut off after its last pixel row; a complete file ends with IEND.
  if (mediaType === "image/png" && input.lastIndexOf(PNG_IEND) === -1) {
    throw new AppError("unprocessable", "The PNG image is truncated or corrupt: the file ends before its IEND chunk. Re-export the image and upload it again.");
  }

  const { width, height } = meta.autoOrient;
  return { id: sha256Hex(bytes), mediaType, width, height, byteSize: bytes.byteLength };
}
