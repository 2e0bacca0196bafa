import "server-only";
import sharp from "sharp";
import { asBuffer, checkImageHeader } from "@/lib/assets/inspect";
import { assetLimits } from "@/lib/assets/limits";
import type { RgbaImage } from "@/lib/runtime/preprocess";

/**
 * Images larger than this on a side are shrunk by sharp (native code, on libuv's threads) before the
 * engine's own preprocessing (lib/runtime/preprocess.ts: plain TS loops on the event loop's thread,
 * whose cost grows with the pixel count). Smaller images reach it untouched, so their numbers are the
 * browser's exactly; a larger one is shrunk to at most this on each side (then stretched to the model's
 * size as before), which changes its pixels slightly.
 */
export const DECODE_MAX_SIDE = 1024;

/**
 * Image bytes -> RGBA (first frame of animations), with sharp. The header is checked first, as uploads
 * are (lib/assets checkImageHeader: ASSET_MAX_BYTES, content sniffing, ASSET_MAX_MEGAPIXELS from the
 * header; AppErrors 413 / 415 / 422), so a decompression bomb is refused before any pixel is decoded,
 * and sharp decodes with `limitInputPixels` as well. Throws on corrupt data.
 */
export async function decodeWithSharp(bytes: Uint8Array, target?: { width: number; height: number }): Promise<RgbaImage> {
  const { meta } = await checkImageHeader(bytes);
  const { maxPixels } = assetLimits();
  let pipeline = sharp(asBuffer(bytes), { failOn: "error", pages: 1, limitInputPixels: maxPixels });
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  const side = Math.max(DECODE_MAX_SIDE, target?.width ?? 0, target?.height ?? 0);
  if (w > side || h > side) {
    // Stretch (the model stretches anyway, no crop): each side to at most `side`.
    pipeline = pipeline.resize(Math.min(w, side), Math.min(h, side), { fit: "fill", kernel: "linear" });
  }
  const { data, info } = await pipeline.toColourspace("srgb").ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`sharp returned ${info.channels} channels, expected RGBA`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
