import { DEFAULT_MODEL_ID } from "@/lib/models/defaults";

/** Sweep limits: a prompt holds at most 64 images on the server (lib/backends/server/limits.ts), the query's among them. */
export const MAX_SWEEP_SHOTS = 63;
/** The engine a sweep runs on when none is named (the browser backend always runs it): the bundled package. */
export const DEFAULT_SWEEP_MODEL = DEFAULT_MODEL_ID;
export const DEFAULT_MAX_TOKENS = 16;
