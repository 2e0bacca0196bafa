import "server-only";
import { env } from "@/lib/env";

/** How big an image may be. Pixels are checked from the header, before decoding. */
export interface AssetLimits {
  maxBytes: number;
  maxPixels: number;
}

/** The configured limits (ASSET_MAX_BYTES, ASSET_MAX_MEGAPIXELS; defaults 10 MB and 40 MP). */
export function assetLimits(): AssetLimits {
  const e = env();
  return { maxBytes: e.ASSET_MAX_BYTES, maxPixels: Math.floor(e.ASSET_MAX_MEGAPIXELS * 1_000_000) };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${trim(n / 1024)} KB`;
  return `${trim(n / (1024 * 1024))} MB`;
}

export function formatMegapixels(pixels: number): string {
  return `${trim(pixels / 1_000_000)} megapixels`;
}

const trim = (x: number) => String(Math.round(x * 10) / 10);
