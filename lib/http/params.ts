import { z } from "zod";
import { ASSET_ID } from "@/lib/prompt/schema";

/** Store ids are opaque strings; refuse junk early with a clear message. */
export const IdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "is not a valid id");
export const AssetIdSchema = z.string().regex(ASSET_ID, "must be a 64-character lowercase hex SHA-256");
export const VersionSchema = z.coerce.number().int("must be a whole number").min(1, "versions start at 1").max(1_000_000);
