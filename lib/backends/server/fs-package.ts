import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { FetchFile } from "@/lib/runtime/manifest";

/** Package files from a folder on disk (the filesystem is the server's file cache). */
export function fsFetchFile(dir: string): FetchFile {
  return async (name, onBytes) => {
    if (name.includes("/") || name.includes("\\") || name.startsWith(".")) throw new Error(`Refusing package file name "${name}"`);
    try {
      const buf = await readFile(path.join(dir, name));
      onBytes?.(buf.byteLength);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
  };
}
