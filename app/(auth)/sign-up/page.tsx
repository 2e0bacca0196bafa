import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { authMode, currentCaller } from "@/lib/auth";
import { env } from "@/lib/env";
import { countUsers, findOpenInvitation } from "@/lib/store/accounts";
import { AuthCard, LocalModeNotice } from "@/components/account/AuthCard";
import { SignUpForm } from "@/components/account/SignUpForm";
import { safeNextPath } from "@/components/account/forms";
import { firstParam } from "@/components/ui/format";

export const metadata: Metadata = { title: "Create an account" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Who may sign up: the first visitor (the owner), someone with an invitation link, or anyone when the deployment allows open sign-up. */
export default async function SignUpPage({ searchParams }: { searchParams: SearchParams }) {
  if (authMode() === "local") return <LocalModeNotice />;
  const sp = await searchParams;
  const next = safeNextPath(firstParam(sp.next));
  if ((await currentCaller()).kind === "user") redirect(next);

  if ((await countUsers()) === 0) {
    return (
      <AuthCard title="Create the owner account" intro="Nobody has signed up yet: the first account owns this studio and invites everyone else." testId="sign-up-page">
        <SignUpForm next={next} submitLabel="Create the owner account" signInLink={false} />
      </AuthCard>
    );
  }

  const token = firstParam(sp.invite);
  const invitation = token ? await findOpenInvitation(token) : null;
  if (token && !invitation) {
    return (
      <AuthCard title="This invitation cannot be used" testId="invitation-gone">
        <p className="text-sm text-stone-600">The link has expired, been revoked or already been used. Ask an admin of the workspace for a new one.</p>
        <Link href="/sign-in" className="btn self-start">
          Sign in instead
        </Link>
      </AuthCard>
    );
  }
  if (invitation && token) {
    return (
      <AuthCard
        title={`Join ${invitation.workspaceName}`}
        intro={
          <>
            You were invited as <strong>{invitation.role}</strong>. Create your account to join.
          </>
        }
        testId="sign-up-page"
      >
        <SignUpForm invitation={{ token, email: invitation.email }} next="/" submitLabel="Create the account and join" />
      </AuthCard>
    );
  }
  if (env().STUDIO_OPEN_SIGNUP) {
    return (
      <AuthCard title="Create an account" intro="You get a workspace of your own; others can invite you to theirs." testId="sign-up-page">
        <SignUpForm next={next} submitLabel="Create the account" />
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Invitation only" testId="invitation-only">
      <p className="text-sm text-stone-600">
        This studio is invitation-only: ask an admin of a workspace to invite your e-mail address, then open the link in the invitation.
      </p>
      <Link href="/sign-in" className="btn self-start">
        Sign in
      </Link>
    </AuthCard>
  );
}
