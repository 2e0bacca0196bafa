/** Sweep limits: a prompt holds at most 64 images on the server (lib/backends/server/limits.ts), the query's among them. */
export const MAX_SWEEP_SHOTS = 63;
export const DEFAULT_SWEEP_MODEL = "flamingo-mini";
export const DEFAULT_MAX_TOKENS = 16;
