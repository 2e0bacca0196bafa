import { notFound } from "next/navigation";
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
