import Link from "next/link";
import { authMode } from "@/lib/auth";
import { AccountMenu } from "./AccountMenu";
import { accountView } from "./session";

/** The nav bar's account corner: nothing in local mode; "Sign in" or the account menu on a shared deployment. */
export async function AccountArea() {
  if (authMode() === "local") return null;
  // A misconfigured deployment (no STUDIO_SECRET_KEY) still renders the nav; the page says what is wrong.
  const account = await accountView().catch(() => null);
  if (!account) {
    return (
      <Link href="/sign-in" className="btn ml-auto shrink-0 px-2 py-1 text-xs" data-testid="sign-in-link">
        Sign in
      </Link>
    );
  }
  return <AccountMenu name={account.user.name} email={account.user.email} workspaces={account.memberships} activeWorkspaceId={account.activeWorkspaceId} />;
}
