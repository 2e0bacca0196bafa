import { z } from "zod";

export const CreateLibraryBody = z.object({
  name: z.string().trim().min(1, "a library needs a name").max(120),
  description: z.string().max(2_000).optional(),
});
