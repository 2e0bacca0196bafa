/**
 * Recognise an image format from its first bytes (its "magic number").
 * Pure and browser-safe: the server decides by content, never by a file
 * name or a claimed Content-Type, and the UI may pre-check with the same rule.
 */
import type { AssetInfo } from "@/lib/store/types";

export type ImageMediaType = AssetInfo["mediaType"];

export const SUPPORTED_MEDIA_TYPES: readonly ImageMediaType[] = ["image/png", "image/jpeg", "image/webp", "image/gif"];

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

function startsWith(bytes: Uint8Array, sig: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + sig.length) return false;
  return sig.every((b, i) => bytes[offset + i] === b);
}

/** The media type the bytes claim by their signature, or null when none matches. */
export function sniffImageType(bytes: Uint8Array): ImageMediaType | null {
  if (startsWith(bytes, PNG)) return "image/png";
  if (startsWith(bytes, JPEG)) return "image/jpeg";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "image/gif";
  // RIFF <size:4> WEBP
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  return null;
}

/** sharp's format names for each media type, to cross-check the decoder's view. */
export const SHARP_FORMAT: Record<ImageMediaType, string> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/webp": "webp",
  "image/gif": "gif",
};
