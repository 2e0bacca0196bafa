import type { LibrarySummary } from "@/lib/store/types";

/** Where new things go by default: the user's "My library", else another user library, else any. */
export function preferredLibrary(libraries: LibrarySummary[], excludeId?: string): LibrarySummary | undefined {
  const pool = libraries.filter((l) => l.id !== excludeId);
  return pool.find((l) => l.kind === "user" && l.name === "My library") ?? pool.find((l) => l.kind === "user") ?? pool[0] ?? libraries[0];
}
