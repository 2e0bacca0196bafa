import { z } from "zod";
import { safeText } from "@/lib/text";

export const CreateLibraryBody = safeText(
  z.object({
    name: z.string().trim().min(1, "a library needs a name").max(120),
    description: z.string().max(2_000).optional(),
    /** Default: the caller's current workspace. */
    workspaceId: z.string().trim().min(1).max(64).optional(),
  }),
);
