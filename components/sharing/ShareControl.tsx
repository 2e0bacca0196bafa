import { allowed, authMode, currentCaller } from "@/lib/auth";
import { env } from "@/lib/env";
import { placementOf } from "@/lib/store/accounts";
import { ShareButton, type ShareKind } from "./ShareButton";

/**
 * The Share button, rendered only where it can work: a shared deployment with share links on, a
 * resource outside the Examples library (everyone reads that already), and a viewer who manages its workspace.
 */
export async function ShareControl({ kind, id, name, className }: { kind: ShareKind; id: string; name: string; className?: string }) {
  if (authMode() === "local" || !env().STUDIO_SHARE_LINKS) return null;
  const place = await placementOf(kind, id);
  if (!place || place.examples) return null;
  if (!(await allowed(await currentCaller(), "manage", { workspace: place.workspaceId }))) return null;
  return <ShareButton workspaceId={place.workspaceId} resourceKind={kind} resourceId={id} resourceName={name} className={className} />;
}
