import "server-only";
import { createHash } from "node:crypto";
import { AppError, notFound } from "@/lib/errors";
import { ASSET_ID } from "@/lib/prompt";
import { db, type Db, type Tx } from "./db";
import type { AssetInfo } from "./types";
import { iso, isUniqueViolation } from "./util";

export type AssetMediaType = AssetInfo["mediaType"];
const MEDIA_TYPES: readonly AssetMediaType[] = ["image/png", "image/jpeg", "image/webp", "image/gif"];

export interface PutAssetInput {
  /** Lowercase hex SHA-256 of `bytes`; checked here. */
  id: string;
  mediaType: AssetMediaType;
  width: number;
  height: number;
  bytes: Uint8Array;
  /** A small preview (WebP), made by lib/assets. */
  thumbnail: Uint8Array;
}

const infoSelect = { id: true, mediaType: true, width: true, height: true, byteSize: true, createdAt: true } as const;

function toInfo(row: { id: string; mediaType: string; width: number; height: number; byteSize: number; createdAt: Date }): AssetInfo {
  return { ...row, mediaType: row.mediaType as AssetMediaType, createdAt: iso(row.createdAt) };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Storage-level checks; image decoding and limits are lib/assets' job. */
export function checkAssetInput(input: PutAssetInput): void {
  if (!ASSET_ID.test(input.id)) throw new AppError("validation_failed", `Asset id "${input.id}" is not a lowercase hex SHA-256`);
  if (sha256Hex(input.bytes) !== input.id) throw new AppError("unprocessable", `The bytes of asset ${input.id} do not hash to its id`);
  if (!MEDIA_TYPES.includes(input.mediaType)) throw new AppError("unsupported_media_type", `Unsupported image type "${input.mediaType}"`);
  if (!(Number.isInteger(input.width) && input.width > 0 && Number.isInteger(input.height) && input.height > 0)) {
    throw new AppError("validation_failed", `Asset ${input.id} needs a positive whole width and height`);
  }
}

/** Store an image once per content hash; `created` is false when the bytes were already there. */
export async function putAsset(input: PutAssetInput, client: Db | Tx = db()): Promise<{ asset: AssetInfo; created: boolean }> {
  checkAssetInput(input);
  const existing = await client.asset.findUnique({ where: { id: input.id }, select: infoSelect });
  if (existing) return { asset: toInfo(existing), created: false };
  try {
    const row = await client.asset.create({
      data: {
        id: input.id,
        mediaType: input.mediaType,
        width: input.width,
        height: input.height,
        byteSize: input.bytes.byteLength,
        bytes: new Uint8Array(input.bytes),
        thumbnail: new Uint8Array(input.thumbnail),
      },
      select: infoSelect,
    });
    return { asset: toInfo(row), created: true };
  } catch (e) {
    // Another request stored the same bytes between our read and write.
    if (isUniqueViolation(e)) return { asset: await getAssetInfo(input.id, client), created: false };
    throw e;
  }
}

export async function getAssetInfo(id: string, client: Db | Tx = db()): Promise<AssetInfo> {
  const row = await client.asset.findUnique({ where: { id }, select: infoSelect });
  if (!row) throw notFound("Image", id);
  return toInfo(row);
}

export async function getAssetBytes(id: string, client: Db | Tx = db()): Promise<{ info: AssetInfo; bytes: Uint8Array }> {
  const row = await client.asset.findUnique({ where: { id }, select: { ...infoSelect, bytes: true } });
  if (!row) throw notFound("Image", id);
  const { bytes, ...info } = row;
  return { info: toInfo(info), bytes: new Uint8Array(bytes) };
}

export async function getAssetThumbnail(id: string): Promise<Uint8Array> {
  const row = await db().asset.findUnique({ where: { id }, select: { thumbnail: true } });
  if (!row) throw notFound("Image", id);
  return new Uint8Array(row.thumbnail);
}

/** The ids (in the given order, each once) that are not stored. */
export async function missingAssets(ids: readonly string[], client: Db | Tx = db()): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const found = await client.asset.findMany({ where: { id: { in: unique } }, select: { id: true } });
  const have = new Set(found.map((r) => r.id));
  return unique.filter((id) => !have.has(id));
}
