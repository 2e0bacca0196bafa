import "server-only";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { env } from "@/lib/env";

/**
 * Where bundled model packages live (FLAMINGO_MODELS_DIR, default public/models, resolved against
 * the working directory); public/models is also served to the browser as /models. The server's
 * engines (lib/backends/server/engine.ts) load from the same folder.
 */
export function modelsDir(): string {
  return path.resolve(env().FLAMINGO_MODELS_DIR);
}

const ManifestHead = z.object({
  id: z.string(),
  version: z.union([z.string(), z.number()]).transform(String),
  files: z.union([z.array(z.object({ name: z.string() }).passthrough()), z.record(z.string(), z.unknown())]).optional(),
});

export interface InstalledModel {
  id: string;
  version: string;
  /** Files named in the manifest but absent on disk (a partial copy, say). */
  missingFiles: string[];
  ok: boolean;
}

/** The model packages under the models folder (modelsDir()), read from their manifests. Never throws. */
export async function installedModels(): Promise<{ models: InstalledModel[]; errors: string[] }> {
  const models: InstalledModel[] = [];
  const errors: string[] = [];
  let dirs: string[] = [];
  let root: string;
  try {
    root = modelsDir();
  } catch (error) {
    return { models, errors: [error instanceof Error ? error.message : String(error)] };
  }
  try {
    dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return { models, errors: [`${path.relative(process.cwd(), root) || root} is missing`] };
  }
  for (const dir of dirs.sort()) {
    try {
      const raw = JSON.parse(await readFile(path.join(root, dir, "manifest.json"), "utf8")) as unknown;
      const head = ManifestHead.parse(raw);
      const names = Array.isArray(head.files) ? head.files.map((f) => f.name) : Object.keys(head.files ?? {});
      const missingFiles: string[] = [];
      for (const name of names) {
        const ok = await stat(path.join(root, dir, name)).then((s) => s.isFile(), () => false);
        if (!ok) missingFiles.push(name);
      }
      models.push({ id: head.id, version: head.version, missingFiles, ok: missingFiles.length === 0 });
    } catch (error) {
      errors.push(`${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { models, errors };
}
