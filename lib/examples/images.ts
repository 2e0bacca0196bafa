import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { sha256Hex } from "@/lib/assets/inspect";
import { EXAMPLE_IMAGE_FILES, type ExampleImageFile } from "./catalog";

/** The committed images. Resolved from the working directory: the app runs from the repo root. */
export const EXAMPLE_IMAGES_DIR = path.join(process.cwd(), "lib", "examples", "images");

export interface ExampleImageBytes {
  file: ExampleImageFile;
  bytes: Uint8Array;
  /** The asset id the store will give these bytes. */
  id: string;
}

/** Read every catalogued image; a missing file is a broken checkout, so say which. */
export async function loadExampleImages(dir = EXAMPLE_IMAGES_DIR): Promise<Map<ExampleImageFile, ExampleImageBytes>> {
  const entries = await Promise.all(
    EXAMPLE_IMAGE_FILES.map(async (file) => {
      const bytes = await readFile(path.join(/* turbopackIgnore: true */ dir, file)).catch((cause: unknown) => {
        throw new Error(`Example image ${file} is missing from ${dir}; restore it from git (lib/examples/images/).`, { cause });
      });
      return [file, { file, bytes: new Uint8Array(bytes), id: sha256Hex(bytes) }] as const;
    }),
  );
  return new Map(entries);
}
