import type { Metadata } from "next";
import Link from "next/link";
import { authMode, currentCaller } from "@/lib/auth";
import { findOpenInvitation } from "@/lib/store/accounts";
import { AcceptInvitation } from "@/components/account/AcceptInvitation";
import { AuthCard, LocalModeNotice } from "@/components/account/AuthCard";

export const metadata: Metadata = { title: "Invitation", referrer: "no-referrer" };

type Params = Promise<{ token: string }>;

/** An invitation link: which workspace and role, then sign up (new here) or join (already signed in). */
export default async function InvitePage({ params }: { params: Params }) {
  if (authMode() === "local") return <LocalModeNotice />;
  const { token } = await params;
  const invitation = /^[A-Za-z0-9_-]{16,128}$/.test(token) ? await findOpenInvitation(token) : null;
  if (!invitation) {
    return (
      <AuthCard title="This invitation cannot be used" testId="invitation-gone">
        <p className="text-sm text-stone-600">The link has expired, been revoked or already been used. Ask an admin of the workspace for a new one.</p>
      </AuthCard>
    );
  }
  const caller = await currentCaller();
  const here = `/invite/${encodeURIComponent(token)}`;
  return (
    <AuthCard
      title={`Join ${invitation.workspaceName}`}
      intro={
        <>
          You are invited to the workspace <strong data-testid="invitation-workspace">{invitation.workspaceName}</strong> as{" "}
          <strong data-testid="invitation-role">{invitation.role}</strong> ({invitation.email}).
        </>
      }
      testId="invitation-page"
    >
      {caller.kind === "user" ? (
        <>
          <p className="text-sm text-stone-600">
            You are signed in as {caller.email}.
            {caller.email.toLowerCase() !== invitation.email ? " The invitation was sent to another address: sign out and sign up with that address to use it." : null}
          </p>
          <AcceptInvitation token={token} workspaceName={invitation.workspaceName} />
        </>
      ) : (
        <div className="flex flex-wrap gap-2">
          <Link href={`/sign-up?invite=${encodeURIComponent(token)}`} className="btn btn-primary" data-testid="invitation-sign-up">
            Create your account
          </Link>
          <Link href={`/sign-in?next=${encodeURIComponent(here)}`} className="btn" data-testid="invitation-sign-in">
            I already have an account
          </Link>
        </div>
      )}
    </AuthCard>
  );
}
