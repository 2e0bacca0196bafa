import { notFound, redirect } from "next/navigation";
import { authorize, currentCaller, readableWorkspaces, type Action, type Caller, type Target } from "@/lib/auth";
import { isAppError } from "@/lib/errors";

/** Await a store call; an unknown id becomes Next's 404 page, anything else propagates. */
export async function orNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (isAppError(e) && e.code === "not_found") notFound();
    throw e;
  }
}

/** A positive integer from a search param, or undefined. */
export function versionParam(v: string | undefined): number | undefined {
  if (!v || !/^\d{1,9}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 ? n : undefined;
}

/**
 * The caller behind a page (local owner, or the signed-in person; the (studio) layout sends anonymous
 * visitors to sign in). With a target, the page must be allowed to `action` it: a resource the caller
 * may not see is the same 404 page as an unknown id (lib/auth), and a refused action is an error page.
 */
export async function pageCaller(target?: Target, action: Action = "read", options: { refusedTo?: string } = {}): Promise<Caller> {
  const caller = await currentCaller();
  if (caller.kind === "anonymous") redirect("/sign-in");
  if (target) {
    try {
      await orNotFound(authorize(caller, action, target));
    } catch (e) {
      // Seeing it but not allowed to do this here (a viewer opening the editor): back to where they may be.
      if (options.refusedTo && isAppError(e) && e.code === "forbidden") redirect(options.refusedTo);
      throw e;
    }
  }
  return caller;
}

/** The workspaces whose libraries a page lists for this caller (null: all, local mode). */
export const listScope = (caller: Caller): readonly string[] | null => readableWorkspaces(caller);
