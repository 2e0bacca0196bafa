import "server-only";
import { putAsset } from "@/lib/store";
import type { AssetInfo } from "@/lib/store/types";
import { inspectImage } from "./inspect";
import type { AssetLimits } from "./limits";
import { makeThumbnail } from "./thumbnail";

/**
 * Validate, measure, thumbnail and store an image. Content-addressed: the
 * same bytes uploaded twice are stored once (`created` is false the second time).
 */
export async function ingestImage(bytes: Uint8Array, limits: Partial<AssetLimits> = {}): Promise<{ asset: AssetInfo; created: boolean }> {
  const info = await inspectImage(bytes, limits);
  const thumbnail = await makeThumbnail(bytes);
  return putAsset({ id: info.id, mediaType: info.mediaType, width: info.width, height: info.height, bytes, thumbnail });
}
