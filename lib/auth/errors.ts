import { AppError } from "@/lib/errors";

/** A signed-in person who belongs to no workspace yet (an invitation was never accepted). */
export const noWorkspace = (): AppError =>
  new AppError("forbidden", "You are not a member of any workspace yet: open the invitation link you were sent, or ask an admin to invite you.");
