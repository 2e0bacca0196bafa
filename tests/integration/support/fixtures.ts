/** Template documents and image bytes for storage tests. */
import { createHash } from "node:crypto";
import type { TemplateInput } from "@/lib/prompt";
import type { PutAssetInput } from "@/lib/store";

export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** The store keeps bytes as given (decoding is lib/assets' job), so any bytes make a valid asset. */
export function fakeImage(seed: string): PutAssetInput {
  const bytes = new TextEncoder().encode(`\x89PNG fake image ${seed}`);
  return { id: sha256(bytes), mediaType: "image/png", width: 4, height: 3, bytes, thumbnail: new TextEncoder().encode(`thumb ${seed}`) };
}

/** A stand-in for lib/assets' makeThumbnail. */
export const thumbnailOf = async (bytes: Uint8Array) => new Uint8Array([1, 2, 3, bytes.length % 256]);

/** A stand-in for lib/assets (inspectImage + makeThumbnail) at the library import seam: fakeImage's bytes "measure" as a 4×3 PNG. */
export const readFakeImage = async (bytes: Uint8Array) => ({ mediaType: "image/png" as const, width: 4, height: 3, thumbnail: await thumbnailOf(bytes) });

export function captionDoc(name: string, opts: { assetIds?: string[]; tags?: string[]; description?: string } = {}): TemplateInput {
  const ids = opts.assetIds ?? [];
  return {
    formatVersion: 1,
    name,
    description: opts.description ?? `Caption images (${name})`,
    tags: opts.tags ?? ["captioning"],
    variables: [{ name: "query_image", kind: "image" }],
    shots: ids.map((assetId) => ({ blocks: [{ type: "image", source: { kind: "asset", assetId } }, { type: "text", text: "Output:" }], answer: "a photo" })),
    query: { blocks: [{ type: "image", source: { kind: "variable", name: "query_image" } }, { type: "text", text: "Output:" }] },
  };
}
