/** Image assets: validation by content, measurement, thumbnails, storage. Server-only. */
import "server-only";
export { checkImageHeader, inspectImage, sha256Hex, type ImageHeader, type ImageInspection } from "./inspect";
export { makeThumbnail, THUMBNAIL_MAX_SIDE, THUMBNAIL_MEDIA_TYPE } from "./thumbnail";
export { ingestImage } from "./ingest";
export { assetLimits, type AssetLimits } from "./limits";
export { sniffImageType, SUPPORTED_MEDIA_TYPES, type ImageMediaType } from "./sniff";
