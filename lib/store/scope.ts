/**
 * Listing only what a caller may see: lib/auth hands lists the workspaces the caller reads
 * (`readableWorkspaces`), and these filters keep the rest out in the query itself. The Examples library
 * is visible from every workspace. `null` / undefined: no filter (local mode).
 */
import "server-only";

export type WorkspaceScope = readonly string[] | null | undefined;

/** A `where` on Library rows. */
export function libraryInScope(scope: WorkspaceScope): Record<string, unknown> {
  if (!scope) return {};
  return { OR: [{ workspaceId: { in: [...scope] } }, { kind: "examples" }] };
}

/** A `where` on rows that belong to a library (templates, notebooks, datasets). */
export function heldInScope(scope: WorkspaceScope): Record<string, unknown> {
  return scope ? { library: libraryInScope(scope) } : {};
}
