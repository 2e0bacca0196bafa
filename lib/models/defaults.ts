/**
 * The bundled model package, as both sides name it. Browser-safe (no node: imports): the UI, the
 * worker client and the shared request schemas read these; the server reads its configurable
 * default and models folder from lib/env.ts (FLAMINGO_DEFAULT_MODEL, FLAMINGO_MODELS_DIR), whose
 * defaults are these.
 */

/** The bundled package's id, and its registry id: the model the browser worker and the plain "server" choice run. */
export const DEFAULT_MODEL_ID = "flamingo-mini";

/** The models folder relative to the working directory (FLAMINGO_MODELS_DIR's default). */
export const DEFAULT_MODELS_DIR = "public/models";

/** The URL the browser fetches packages from: public/models is served as static files at /models. */
export const MODELS_URL = "/models";

/** A package's folder URL (manifest.json inside), e.g. "/models/flamingo-mini". */
export function packageUrl(id: string = DEFAULT_MODEL_ID): string {
  return `${MODELS_URL}/${id}`;
}
