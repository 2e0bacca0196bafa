import { createHash } from "node:crypto";

/**
 * Images a CLI read from disk, named by SHA-256 as the asset store names them,
 * and served to the engine as its image source.
 */
export function memoryImages(): { add(bytes: Uint8Array): string; source(id: string): Promise<Uint8Array> } {
  const bytesById = new Map<string, Uint8Array>();
  return {
    add(bytes) {
      const id = createHash("sha256").update(bytes).digest("hex");
      bytesById.set(id, bytes);
      return id;
    },
    async source(id) {
      const bytes = bytesById.get(id);
      if (!bytes) throw new Error(`unknown image ${id}`);
      return bytes;
    },
  };
}
