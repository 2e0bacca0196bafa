import "server-only";
import sharp from "sharp";
import { asBuffer } from "./inspect";
import { assetLimits } from "./limits";

export const THUMBNAIL_MAX_SIDE = 256;
/** Thumbnails are always WebP, whatever the original's format. */
export const THUMBNAIL_MEDIA_TYPE = "image/webp";

/**
 * A small WebP preview for lists and strips: EXIF orientation applied, the
 * first frame of an animation, never enlarged. Call after inspectImage, which
 * has already refused corrupt and oversized input.
 */
export async function makeThumbnail(bytes: Uint8Array, options: { maxSide?: number } = {}): Promise<Uint8Array> {
  const maxSide = options.maxSide ?? THUMBNAIL_MAX_SIDE;
  const data = await sharp(asBuffer(bytes), { pages: 1, failOn: "error", limitInputPixels: assetLimits().maxPixels })
    .autoOrient()
    .resize(maxSide, maxSide, { fit: "inside", withoutEnlargement: true })
    .webp({ quality: 80, effort: 2 })
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
