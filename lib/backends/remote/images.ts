import "server-only";
import sharp, { type Metadata } from "sharp";
import type { ImageFormat } from "@/lib/engines/types";
import { AppError } from "@/lib/errors";

/** Image bytes by asset id. */
export type RemoteImageSource = (assetId: string) => Promise<Uint8Array>;

export interface ImageSettings {
  format: ImageFormat;
  /** Longest side in pixels (never enlarged); null: as stored. */
  maxSide: number | null;
}

export interface EncodedImage {
  /** `data:image/<format>;base64,…` */
  url: string;
  bytes: number;
  width: number;
  height: number;
}

const MAX_PIXELS = 100_000_000;
const JPEG_QUALITY = 90;

/**
 * Image bytes → a data URL in `format`, the longest side shrunk to `maxSide` (never enlarged), EXIF
 * orientation applied; JPEG has no alpha (flattened on white). Bytes already in the format, small
 * enough and upright are sent as they are.
 */
export async function encodeImage(bytes: Uint8Array, settings: ImageSettings): Promise<EncodedImage> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { failOn: "error", pages: 1, limitInputPixels: MAX_PIXELS }).metadata();
  } catch (e) {
    throw new AppError("unprocessable", `An image could not be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const upright = meta.orientation === undefined || meta.orientation === 1;
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  const fits = settings.maxSide == null || Math.max(w, h) <= settings.maxSide;
  if (meta.format === settings.format && fits && upright) {
    return { url: `data:image/${settings.format};base64,${Buffer.from(bytes).toString("base64")}`, bytes: bytes.byteLength, width: w, height: h };
  }
  try {
    let img = sharp(bytes, { failOn: "error", pages: 1, limitInputPixels: MAX_PIXELS }).rotate();
    if (settings.maxSide != null) img = img.resize({ width: settings.maxSide, height: settings.maxSide, fit: "inside", withoutEnlargement: true });
    img = settings.format === "jpeg" ? img.flatten({ background: "#ffffff" }).jpeg({ quality: JPEG_QUALITY }) : img.png();
    const { data, info } = await img.toBuffer({ resolveWithObject: true });
    return { url: `data:image/${settings.format};base64,${data.toString("base64")}`, bytes: data.byteLength, width: info.width, height: info.height };
  } catch (e) {
    throw new AppError("unprocessable", `An image could not be re-encoded as ${settings.format}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** A small LRU of encoded data URLs, bounded by their total length. */
export class DataUrlCache {
  private readonly map = new Map<string, string>();
  private size = 0;
  constructor(private readonly maxChars: number) {}

  get(key: string): string | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, url: string): void {
    if (url.length > this.maxChars) return;
    const old = this.map.get(key);
    if (old !== undefined) {
      this.map.delete(key);
      this.size -= old.length;
    }
    this.map.set(key, url);
    this.size += url.length;
    for (const [k, v] of this.map) {
      if (this.size <= this.maxChars) break;
      this.map.delete(k);
      this.size -= v.length;
    }
  }
}

/** Store assets and ephemeral images are keyed by content hash: one cache for the process. */
const SHARED = Symbol.for("flamingo-studio.remote-image-cache");
export function sharedImageCache(): DataUrlCache {
  const g = globalThis as typeof globalThis & { [SHARED]?: DataUrlCache };
  return (g[SHARED] ??= new DataUrlCache(64 * 1024 * 1024));
}

/** The server's images: ephemeral ones (data URLs of /v1 requests) first, then the asset store. */
export const defaultImageSource: RemoteImageSource = async (assetId) => {
  const { serverImageSource } = await import("@/lib/backends/server/engine");
  return serverImageSource(assetId);
};

/**
 * `assetId → data URL` for one engine's image settings, through `cache`; concurrent requests for
 * one image share the encoding.
 */
export function imageUrlResolver(source: RemoteImageSource, settings: ImageSettings, cache: DataUrlCache): (assetId: string) => Promise<string> {
  const inflight = new Map<string, Promise<string>>();
  return (assetId) => {
    const key = `${assetId}|${settings.format}|${settings.maxSide ?? "orig"}`;
    const hit = cache.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    let p = inflight.get(key);
    if (!p) {
      p = (async () => {
        const bytes = await source(assetId);
        const { url } = await encodeImage(bytes, settings);
        cache.set(key, url);
        return url;
      })().finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  };
}

/** A tiny solid-colour PNG (probes). */
export async function solidPng(r: number, g: number, b: number, size = 32): Promise<Uint8Array> {
  const buf = await sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } }).png().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
