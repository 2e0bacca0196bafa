import "server-only";
import sharp from "sharp";
import type { RgbaImage } from "@/lib/runtime/preprocess";

/** Largest image (pixels) the decoder accepts; assets are already limited when stored. */
const MAX_PIXELS = 100_000_000;

/** Image bytes -> RGBA (first frame of animations), with sharp. Throws on corrupt data. */
export async function decodeWithSharp(bytes: Uint8Array): Promise<RgbaImage> {
  const { data, info } = await sharp(bytes, { failOn: "error", pages: 1, limitInputPixels: MAX_PIXELS })
    .toColourspace("srgb")
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`sharp returned ${info.channels} channels, expected RGBA`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
