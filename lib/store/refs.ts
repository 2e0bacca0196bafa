/** Where a template document refers to stored images, with JSON paths for error messages. */
import "server-only";
import { AppError } from "@/lib/errors";
import type { Block, Template } from "@/lib/prompt";
import type { Db, Tx } from "./db";
import { missingAssets } from "./assets";

export interface AssetRef {
  assetId: string;
  path: (string | number)[];
}

export function assetRefsOf(t: Template): AssetRef[] {
  const refs: AssetRef[] = [];
  const visit = (blocks: Block[], base: (string | number)[]) =>
    blocks.forEach((b, i) => {
      if (b.type === "image" && b.source.kind === "asset") refs.push({ assetId: b.source.assetId, path: [...base, i, "source", "assetId"] });
    });
  visit(t.preamble, ["preamble"]);
  t.shots.forEach((s, i) => visit(s.blocks, ["shots", i, "blocks"]));
  visit(t.query.blocks, ["query", "blocks"]);
  return refs;
}

/** Throws unprocessable (422) naming each image the document uses that is not stored. */
export async function requireAssets(t: Template, client: Db | Tx, where = "The template"): Promise<void> {
  const refs = assetRefsOf(t);
  const missing = new Set(await missingAssets(refs.map((r) => r.assetId), client));
  if (missing.size === 0) return;
  const details = refs.filter((r) => missing.has(r.assetId)).map((r) => ({ path: r.path, message: `image ${r.assetId} is not stored; upload it first` }));
  throw new AppError("unprocessable", `${where} uses ${missing.size === 1 ? "an image that is" : `${missing.size} images that are`} not stored: ${[...missing].join(", ")}`, {
    details,
  });
}
