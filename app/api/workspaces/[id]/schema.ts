import { z } from "zod";
import { ROLES, SCOPES } from "@/lib/auth/roles";
import { IdSchema } from "@/lib/http/params";
import { safeText } from "@/lib/text";

const role = z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` });

export const SetRoleBody = z.object({ userId: IdSchema, role });

export const InviteBody = z.object({
  email: z.string().trim().toLowerCase().max(254).pipe(z.email("is not an e-mail address")),
  role,
});

export const CreateApiKeyBody = safeText(
  z.object({
    name: z.string().trim().min(1, "give the key a name (what uses it)").max(80),
    scopes: z.array(z.enum(SCOPES, { error: `must be one of ${SCOPES.join(", ")}` })).min(1, "choose at least one scope").max(SCOPES.length),
  }),
);

export const SHARE_KINDS = ["library", "template", "notebook"] as const;

const shareKind = z.enum(SHARE_KINDS, { error: `must be one of ${SHARE_KINDS.join(", ")}` });

export const CreateShareLinkBody = z.object({ resourceKind: shareKind, resourceId: IdSchema });

export const ShareLinkFilter = z.object({ resourceKind: shareKind.optional(), resourceId: IdSchema.optional() });
