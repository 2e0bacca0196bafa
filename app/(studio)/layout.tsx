import type { ReactNode } from "react";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { authMode, currentCaller } from "@/lib/auth";

/**
 * The studio's pages need a signed-in person on a shared deployment: an anonymous visitor goes to
 * sign-in and comes back to the page asked for (proxy.ts passes its path as x-studio-path).
 */
export default async function StudioLayout({ children }: { children: ReactNode }) {
  if (authMode() === "shared" && (await currentCaller()).kind === "anonymous") {
    const path = (await headers()).get("x-studio-path") ?? "/";
    redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  }
  return children;
}
